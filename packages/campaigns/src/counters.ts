import { sql } from "kysely";
import type { Db } from "@wa/db";
import type { Trx } from "./lock.js";

/** Counts of one campaign's message rows; the definition every counter column follows. */
export interface MessageCounts {
  readonly total: number;
  readonly sent: number; // Meta accepted it (sent_at set, or any status at or after sent)
  readonly delivered: number;
  readonly read: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly pending: number; // scheduled, queued, sending, retrying
  readonly held: number; // scheduled: held until quiet hours end
  readonly heldUntil: number | null; // epoch ms: the latest deliver_at among held messages
}

export async function countCampaignMessages(db: Db | Trx, campaignId: string): Promise<MessageCounts> {
  const r = await sql<Record<Exclude<keyof MessageCounts, "heldUntil">, string> & { held_until: Date | null }>`
    SELECT count(*) AS total,
      count(*) FILTER (WHERE sent_at IS NOT NULL OR status IN ('sent', 'delivered', 'read', 'played')) AS sent,
      count(*) FILTER (WHERE delivered_at IS NOT NULL OR status IN ('delivered', 'read', 'played')) AS delivered,
      count(*) FILTER (WHERE read_at IS NOT NULL OR status IN ('read', 'played')) AS read,
      count(*) FILTER (WHERE status = 'failed') AS failed,
      count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
      count(*) FILTER (WHERE status IN ('scheduled', 'queued', 'sending', 'retrying')) AS pending,
      count(*) FILTER (WHERE status = 'scheduled') AS held,
      max(deliver_at) FILTER (WHERE status = 'scheduled') AS held_until
    FROM messages WHERE campaign_id = ${campaignId}`.execute(db);
  const row = r.rows[0];
  const n = (k: Exclude<keyof MessageCounts, "heldUntil">): number => Number(row?.[k] ?? 0);
  return {
    total: n("total"),
    sent: n("sent"),
    delivered: n("delivered"),
    read: n("read"),
    failed: n("failed"),
    cancelled: n("cancelled"),
    pending: n("pending"),
    held: n("held"),
    heldUntil: row?.held_until ? new Date(row.held_until).getTime() : null,
  };
}

/**
 * Rewrites the status counter columns from the rows (the truth). Status writers move the columns one
 * by one (@wa/db moveCampaignCounters); this repairs any drift (a lost race, a missed event) whenever the worker sweeps.
 */
export async function syncCampaignCounters(db: Db | Trx, campaignId: string): Promise<MessageCounts> {
  const c = await countCampaignMessages(db, campaignId);
  await db
    .updateTable("campaigns")
    .set({
      sent_count: c.sent,
      delivered_count: c.delivered,
      read_count: c.read,
      failed_count: c.failed,
      cancelled_count: c.cancelled,
    })
    .where("id", "=", campaignId)
    .where((eb) =>
      eb.or([
        eb("sent_count", "<>", c.sent),
        eb("delivered_count", "<>", c.delivered),
        eb("read_count", "<>", c.read),
        eb("failed_count", "<>", c.failed),
        eb("cancelled_count", "<>", c.cancelled),
      ]),
    )
    .execute();
  return c;
}
