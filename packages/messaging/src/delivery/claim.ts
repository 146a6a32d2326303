import type { Db } from "@wa/db";
import { sql } from "kysely";
import type { ClaimedRow } from "./types.js";

/**
 * queued|retrying → sending in one statement: of any number of envelopes for one message (duplicates,
 * redeliveries, a reconciler republish) exactly one gets the row; the others see nothing and ack.
 * It also returns what the re-check needs from the customer row (Postgres is the truth; no cache hop).
 */
export async function claim(db: Db, messageId: string): Promise<ClaimedRow | undefined> {
  const r = await sql<ClaimedRow>`
    UPDATE messages m SET status = 'sending', sending_at = now(), attempts = m.attempts + 1, updated_at = now()
    FROM customers c
    WHERE m.id = ${messageId} AND m.direction = 'outbound' AND m.status IN ('queued', 'retrying')
      AND c.channel = m.channel AND c.customer_id = m.customer_id
    RETURNING m.id, m.channel, m.customer_id, m.category, m.kind, m.content, m.attempts, m.campaign_id, m.queued_at,
      m.counts_toward_cap, m.wamid, c.marketing_consent, c.utility_consent, c.last_inbound_at`.execute(db);
  return r.rows[0];
}

/** Still ours while we wait: keeps the reconciler from taking back a row whose worker is alive. */
export async function heartbeat(db: Db, messageId: string): Promise<void> {
  await db.updateTable("messages").set({ sending_at: sql`now()` }).where("id", "=", messageId).where("status", "=", "sending").execute();
}

/** Shutdown in the middle of a wait: give the row back untouched (the attempt did not happen). */
export async function release(db: Db, messageId: string): Promise<void> {
  await db
    .updateTable("messages")
    .set({ status: "queued", attempts: sql`GREATEST(attempts - 1, 0)`, updated_at: sql`now()` })
    .where("id", "=", messageId)
    .where("status", "=", "sending")
    .execute();
}
