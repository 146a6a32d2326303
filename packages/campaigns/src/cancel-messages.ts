import { sql } from "kysely";
import type { Db } from "@wa/db";
import type { Trx } from "./lock.js";

export interface CancelledMessage {
  readonly messageId: string;
  readonly channel: string;
  readonly customerId: string;
  readonly heldSlot: boolean; // it held a marketing frequency slot, now released in Postgres
}

/** Called after a cancel committed, e.g. to drop the customers' cached frequency slots in Redis. */
export type OnMessagesCancelled = (messages: readonly CancelledMessage[]) => Promise<void>;

/**
 * Cancels every campaign message that may still be sent (scheduled, queued, retrying) and releases its
 * frequency slot (counts_toward_cap = false) in the same statement. A row already `sending` is left to
 * the delivery worker: it is in Meta's hands.
 */
export async function cancelSendableMessages(
  db: Db | Trx,
  campaignId: string,
  now: number,
): Promise<CancelledMessage[]> {
  const at = new Date(now);
  const r = await sql<{ id: string; channel: string; customer_id: string; held_slot: boolean }>`
    WITH target AS (
      SELECT id, counts_toward_cap FROM messages
      WHERE campaign_id = ${campaignId} AND status IN ('scheduled', 'queued', 'retrying')
      FOR UPDATE
    )
    UPDATE messages m
    SET status = 'cancelled', cancelled_at = ${at}, status_reason = 'campaign_cancelled',
        counts_toward_cap = false, updated_at = ${at}
    FROM target
    WHERE m.id = target.id AND m.status IN ('scheduled', 'queued', 'retrying')
    RETURNING m.id, m.channel, m.customer_id, target.counts_toward_cap AS held_slot`.execute(db);
  return r.rows.map((x) => ({ messageId: x.id, channel: x.channel, customerId: x.customer_id, heldSlot: x.held_slot }));
}
