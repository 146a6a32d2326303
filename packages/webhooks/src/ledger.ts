import { createHash } from "node:crypto";
import type { Executor } from "@wa/db";
import type { LogLike } from "@wa/observability";

const MAX_KEY = 200; // a btree entry must stay far below Postgres' ~2.7 kB limit, whatever a hostile id holds

/** The ledger key of an event: its dedup key, or (when a hostile id makes it long) a prefix plus its sha256. */
export function ledgerKey(dedupKey: string): string {
  if (dedupKey.length <= MAX_KEY) return dedupKey;
  return `${dedupKey.slice(0, 64)}…sha256:${createHash("sha256").update(dedupKey).digest("hex")}`;
}

/**
 * Claims an event key in the webhook_events ledger, first thing in the event's transaction. A key that is
 * already there was applied (or parked) before: the caller skips the event. Two processors racing on the
 * same key serialize on the unique index; the loser sees the winner's committed row and skips.
 */
export async function claimEvent(tx: Executor, eventKey: string, kind: string): Promise<boolean> {
  const r = await tx
    .insertInto("webhook_events")
    .values({ event_key: eventKey, kind })
    .onConflict((oc) => oc.column("event_key").doNothing())
    .returning("event_key")
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * Deletes ledger rows older than `retentionMs`, `batch` at a time (short transactions, no long lock). Meta
 * redelivers a webhook for up to 7 days, so the retention must stay above that or a late copy applies twice.
 */
export async function pruneLedger(db: Executor, retentionMs: number, batch = 5000, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - retentionMs);
  let total = 0;
  for (;;) {
    const r = await db
      .deleteFrom("webhook_events")
      .where("event_key", "in", (eb) =>
        eb.selectFrom("webhook_events").select("event_key").where("processed_at", "<", cutoff).limit(batch),
      )
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    total += n;
    if (n < batch) return total;
  }
}

/** Prunes the ledger now and every `everyMs` (hourly), so it stays small; `close()` stops it. */
export function startLedgerPruner(opts: { db: Executor; log: LogLike; retentionMs: number; everyMs?: number }): {
  close(): void;
} {
  const prune = (): void =>
    void pruneLedger(opts.db, opts.retentionMs).then(
      (n) => n > 0 && opts.log.info({ deleted: n }, "webhook ledger pruned"),
      (err: unknown) => opts.log.warn({ err }, "webhook ledger prune failed"),
    );
  const timer = setInterval(prune, opts.everyMs ?? 3_600_000);
  timer.unref();
  prune();
  return { close: () => clearInterval(timer) };
}
