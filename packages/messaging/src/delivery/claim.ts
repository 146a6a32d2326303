import type { Db } from "@wa/db";
import { sql } from "kysely";
import type { ClaimedRow } from "./types.js";

/**
 * queued|retrying → sending: of any number of envelopes for one message (duplicates, redeliveries, a reconciler
 * republish) exactly one gets the row; the others see nothing and ack. It also returns what the re-check needs
 * from the customer row (Postgres is the truth; no cache hop). `attempts` after the claim identifies this claim:
 * a later claim of the same row has a higher count. One statement for many ids (the rows locked in id order, so
 * two workers' batches cannot deadlock); an id given twice is claimed once, for its first caller.
 */
export async function claimMany(db: Db, ids: readonly string[]): Promise<(ClaimedRow | undefined)[]> {
  // One primary-key probe per id (a lateral subquery: `id = ANY(…)` let the planner scan every queued row per
  // batch), in sorted order, so the rows are locked in id order.
  const r = await sql<ClaimedRow>`/* prepared: delivery-claim */
    WITH l AS (
      SELECT x.id FROM unnest(${[...new Set(ids)].toSorted()}::uuid[]) AS i(id)
        CROSS JOIN LATERAL (SELECT id FROM messages
          WHERE id = i.id AND direction = 'outbound' AND status IN ('queued', 'retrying') OFFSET 0 FOR UPDATE) x)
    UPDATE messages m SET status = 'sending', sending_at = now(), meta_call_at = NULL, attempts = m.attempts + 1, updated_at = now()
    FROM l, customers c
    WHERE m.id = l.id AND c.channel = m.channel AND c.customer_id = m.customer_id
    RETURNING m.id, m.channel, m.customer_id, m.category, m.kind, m.content, m.attempts, m.campaign_id, m.queued_at,
      m.counts_toward_cap, m.wamid, m.phone_number_id, c.marketing_consent, c.utility_consent, c.last_inbound_at,
      c.marketing_limited_until`.execute(db);
  const byId = new Map(r.rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = byId.get(id);
    byId.delete(id);
    return row;
  });
}

export async function claim(db: Db, messageId: string): Promise<ClaimedRow | undefined> {
  return (await claimMany(db, [messageId]))[0];
}

/**
 * The fence before every call to Meta: still our claim (nobody requeued and re-claimed the row meanwhile)?
 * Then record that the call starts, so a death from here on leaves a *maybe sent* row that is never
 * requeued by age alone. False = the claim is gone: do not call Meta. One statement for many rows (a key probe
 * each, locked in id order, as the claim).
 * Only meta_call_at (in no index) changes, so the update can be HOT: sending_at is not refreshed here because
 * the reconciler's age rule skips rows with meta_call_at set; endCall refreshes it when the stamp is cleared.
 */
export async function beginCallMany(db: Db, rows: readonly Pick<ClaimedRow, "id" | "attempts">[]): Promise<boolean[]> {
  const sorted = rows.toSorted((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.attempts - b.attempts));
  const r = await sql<{ id: string; attempts: number }>`/* prepared: delivery-begin-call */
    WITH l AS (
      SELECT x.id FROM unnest(${sorted.map((x) => x.id)}::uuid[], ${sorted.map((x) => x.attempts)}::int[]) AS f(id, attempts)
        CROSS JOIN LATERAL (SELECT id FROM messages
          WHERE id = f.id AND attempts = f.attempts AND status = 'sending' OFFSET 0 FOR UPDATE) x)
    UPDATE messages SET meta_call_at = now() FROM l WHERE messages.id = l.id
    RETURNING messages.id, messages.attempts`.execute(db);
  const fenced = new Set(r.rows.map((x) => `${x.id}/${x.attempts}`));
  return rows.map((x) => fenced.delete(`${x.id}/${x.attempts}`));
}

/**
 * Meta answered with an error, so it did not take the message: no longer *maybe sent*. sending_at restarts the
 * reconciler's age clock here (beginCall left it), as the row is again one it may take back by age.
 */
export async function endCall(db: Db, row: ClaimedRow): Promise<void> {
  await db
    .updateTable("messages")
    .set({ meta_call_at: null, sending_at: sql`now()` })
    .where("id", "=", row.id)
    .where("status", "=", "sending")
    .where("attempts", "=", row.attempts)
    .execute();
}

/** Still ours: keeps the reconciler from taking back a row whose worker is alive (waits, the call, markSent). */
export async function heartbeat(db: Db, messageId: string): Promise<void> {
  await db
    .updateTable("messages")
    .set({ sending_at: sql`now()` })
    .where("id", "=", messageId)
    .where("status", "=", "sending")
    .execute();
}

/** Shutdown in a wait, or a pause before the call: give the row back untouched (the attempt did not happen). */
export async function release(db: Db, row: Pick<ClaimedRow, "id" | "attempts">): Promise<void> {
  await db
    .updateTable("messages")
    .set({ status: "queued", attempts: sql`GREATEST(attempts - 1, 0)`, meta_call_at: null, updated_at: sql`now()` })
    .where("id", "=", row.id)
    .where("status", "=", "sending")
    .where("attempts", "=", row.attempts)
    .execute();
}
