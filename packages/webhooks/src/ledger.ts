import type { Database } from "@wa/db";
import type { Kysely } from "kysely";

/**
 * Claims an event key in the webhook_events ledger, first thing in the event's transaction. A key that is
 * already there was applied (or parked) before: the caller skips the event. Two processors racing on the
 * same key serialize on the unique index; the loser sees the winner's committed row and skips.
 */
export async function claimEvent(tx: Kysely<Database>, eventKey: string, kind: string): Promise<boolean> {
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
export async function pruneLedger(db: Kysely<Database>, retentionMs: number, batch = 5000, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - retentionMs);
  let total = 0;
  for (;;) {
    const r = await db
      .deleteFrom("webhook_events")
      .where("event_key", "in", (eb) =>
        eb.selectFrom("webhook_events").select("event_key").where("processed_at", "<", cutoff).limit(batch))
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    total += n;
    if (n < batch) return total;
  }
}
