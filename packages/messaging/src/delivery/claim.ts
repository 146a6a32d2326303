import type { Db } from "@wa/db";
import { sql } from "kysely";
import type { ClaimedRow } from "./types.js";

/**
 * queued|retrying → sending in one statement: of any number of envelopes for one message (duplicates,
 * redeliveries, a reconciler republish) exactly one gets the row; the others see nothing and ack.
 * It also returns what the re-check needs from the customer row (Postgres is the truth; no cache hop).
 * `attempts` after the claim identifies this claim: a later claim of the same row has a higher count.
 */
export async function claim(db: Db, messageId: string): Promise<ClaimedRow | undefined> {
  const r = await sql<ClaimedRow>`/* prepared: delivery-claim */
    UPDATE messages m SET status = 'sending', sending_at = now(), meta_call_at = NULL, attempts = m.attempts + 1, updated_at = now()
    FROM customers c
    WHERE m.id = ${messageId} AND m.direction = 'outbound' AND m.status IN ('queued', 'retrying')
      AND c.channel = m.channel AND c.customer_id = m.customer_id
    RETURNING m.id, m.channel, m.customer_id, m.category, m.kind, m.content, m.attempts, m.campaign_id, m.queued_at,
      m.counts_toward_cap, m.wamid, m.phone_number_id, c.marketing_consent, c.utility_consent, c.last_inbound_at,
      c.marketing_limited_until`.execute(db);
  return r.rows[0];
}

/**
 * The fence before every call to Meta: still our claim (nobody requeued and re-claimed the row meanwhile)?
 * Then record that the call starts, so a death from here on leaves a *maybe sent* row that is never
 * requeued by age alone. False = the claim is gone: do not call Meta.
 * Only meta_call_at (in no index) changes, so the update is HOT: sending_at is not refreshed here because the
 * reconciler's age rule skips rows with meta_call_at set; endCall refreshes it when the stamp is cleared.
 */
export async function beginCall(db: Db, row: ClaimedRow): Promise<boolean> {
  const r = await sql`/* prepared: delivery-begin-call */
    UPDATE messages SET meta_call_at = now() WHERE id = ${row.id} AND status = 'sending' AND attempts = ${row.attempts}
    RETURNING id`.execute(db);
  return r.rows.length > 0;
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
