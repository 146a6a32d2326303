import { sql } from "kysely";
import type { Db, MessageStatus } from "@wa/db";
import type { Trx } from "./lock.js";

/** Statuses in which a campaign message may still be sent (cancel stops exactly these). */
export const SENDABLE_STATUSES: readonly MessageStatus[] = ["scheduled", "queued", "retrying"];
/** Not yet out of our hands: a campaign completes when none of its messages is in one of these. */
export const PENDING_STATUSES: readonly MessageStatus[] = ["scheduled", "queued", "sending", "retrying"];

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
    total: n("total"), sent: n("sent"), delivered: n("delivered"), read: n("read"),
    failed: n("failed"), cancelled: n("cancelled"), pending: n("pending"), held: n("held"),
    heldUntil: row?.held_until ? new Date(row.held_until).getTime() : null,
  };
}

/**
 * Rewrites the status counter columns from the rows (the truth). Status webhooks move the columns one
 * by one; this repairs any drift (a lost race, a missed event) whenever the worker sweeps.
 */
export async function syncCampaignCounters(db: Db | Trx, campaignId: string): Promise<MessageCounts> {
  const c = await countCampaignMessages(db, campaignId);
  await db
    .updateTable("campaigns")
    .set({ sent_count: c.sent, delivered_count: c.delivered, read_count: c.read, failed_count: c.failed, cancelled_count: c.cancelled })
    .where("id", "=", campaignId)
    .where((eb) =>
      eb.or([
        eb("sent_count", "<>", c.sent), eb("delivered_count", "<>", c.delivered), eb("read_count", "<>", c.read),
        eb("failed_count", "<>", c.failed), eb("cancelled_count", "<>", c.cancelled),
      ]),
    )
    .execute();
  return c;
}

type CounterColumn = "sent_count" | "delivered_count" | "read_count" | "failed_count" | "cancelled_count";
const RANK: Partial<Record<MessageStatus, number>> = { sent: 1, delivered: 2, read: 3, played: 3 };

/**
 * Which counter columns move (+1) when one campaign message goes from `from` to `to`; the same rule as
 * countCampaignMessages. For the status-webhook processor and the delivery worker (one definition).
 */
export function counterDelta(from: MessageStatus, to: MessageStatus): CounterColumn[] {
  const out: CounterColumn[] = [];
  const a = RANK[from] ?? 0;
  const b = RANK[to] ?? 0;
  if (a < 1 && b >= 1) out.push("sent_count");
  if (a < 2 && b >= 2) out.push("delivered_count");
  if (a < 3 && b >= 3) out.push("read_count");
  if (to === "failed" && from !== "failed") out.push("failed_count");
  if (to === "cancelled" && from !== "cancelled") out.push("cancelled_count");
  return out;
}

/** Applies counterDelta in the caller's transaction (the one that changed the message row). */
export async function recordCampaignMessageStatus(
  trx: Db | Trx,
  campaignId: string,
  from: MessageStatus,
  to: MessageStatus,
): Promise<void> {
  const cols = counterDelta(from, to);
  if (cols.length === 0) return;
  const set: Partial<Record<CounterColumn, ReturnType<typeof sql<number>>>> = {};
  for (const c of cols) set[c] = sql<number>`${sql.ref(c)} + 1`;
  await trx.updateTable("campaigns").set(set).where("id", "=", campaignId).execute();
}
