import { isRefusal } from "@wa/contract";
import type { RichContent } from "@wa/meta";
import type { ToolDeps } from "../deps.js";
import { outboundFrom, resolveFrom } from "./from-number.js";
import { sendOut } from "./send-common.js";

interface RichArgs {
  readonly to: string;
  readonly idempotency_key?: string | undefined;
  readonly from?: string | undefined;
  readonly channel: string;
}

/** send_media / send_interactive / send_location: a service message through the one send path. */
export async function sendRich(tool: string, input: RichArgs, content: RichContent, deps: ToolDeps) {
  const from = await resolveFrom(input.from, deps);
  if (isRefusal(from)) return from;
  const r = await deps.messaging.requestOutbound(
    {
      to: input.to,
      content,
      message_type: "service",
      channel: input.channel,
      from: outboundFrom(from),
      ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
    },
    { actor: deps.actor, tool },
  );
  return sendOut(r, deps, from);
}

/** Copies only the keys that are set (the content is hashed for idempotency and stored as given). */
export function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
