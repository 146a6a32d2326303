import { publishOutbound, type BusNames, type JetStreamClient } from "@wa/bus";
import type { LogLike } from "@wa/observability";

/** Publishes `{message_id}` for each id; a failure leaves the row queued for the next reconcile pass. */
export async function publishAll(
  js: JetStreamClient,
  names: BusNames,
  ids: readonly string[],
  log: LogLike,
  opts: { msgId?: (id: string) => string; timeoutMs?: number } = {},
): Promise<number> {
  let failed = 0;
  await Promise.all(
    ids.map((id) =>
      publishOutbound(
        js,
        names,
        { message_id: id },
        { timeoutMs: opts.timeoutMs ?? 1000, ...(opts.msgId ? { msgId: opts.msgId(id) } : {}) },
      ).catch(() => void (failed += 1)),
    ),
  );
  if (failed) log.warn({ failed }, "outbound publish failed; rows stay queued for the reconciler");
  return ids.length - failed;
}
