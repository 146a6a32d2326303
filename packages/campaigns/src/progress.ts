import { refuse, type Result } from "@wa/contract";
import type { CampaignRow, Db } from "@wa/db";
import { countCampaignMessages, type MessageCounts } from "./counters.js";
import { campaignNumber, type CampaignNumber } from "./number.js";
import { tierUsage } from "./tier-usage.js";
import { parseTier } from "./tiers.js";
import type { CampaignCounters, CampaignProgress, CampaignWait, Clock } from "./types.js";
import { parseWaitingReason } from "./wait-reason.js";

export interface CampaignView {
  readonly campaign_id: string;
  readonly name: string;
  readonly status: CampaignRow["status"];
  readonly status_reason: string | null;
  readonly type: CampaignRow["type"];
  readonly template_name: string;
  readonly locale: string;
  readonly phone_number_id: string | null; // the number it sends from (null: the default, before any accounts sync)
  readonly display_phone_number: string | null;
  readonly business_id: string | null; // whose customers it reaches and whose messaging limit it counts against
  readonly audience_filter: Record<string, unknown>;
  readonly counters: CampaignCounters;
  readonly progress_pct: number;
  readonly progress: CampaignProgress;
  readonly timestamps: Readonly<
    Record<
      "created_at" | "scheduled_at" | "started_at" | "paused_at" | "completed_at" | "cancelled_at" | "updated_at",
      string | null
    >
  >;
}

export interface CampaignReadDeps {
  readonly db: Db;
  readonly now?: Clock;
  readonly throughputMps?: number; // send rate when the campaign's number is unknown; bounds the ETA of queued messages
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function notFound(id: string) {
  return UUID.test(id)
    ? refuse("NOT_FOUND", `There is no campaign ${id}.`, "Check the campaign_id returned by schedule_campaign.")
    : refuse(
        "INVALID_ARGUMENT",
        `campaign_id "${id}" is not a campaign id (a UUID).`,
        "Pass the campaign_id returned by schedule_campaign.",
      );
}

async function loadCampaign(db: Db, id: string): Promise<CampaignRow | undefined> {
  if (!UUID.test(id)) return undefined;
  return db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst();
}

/** get_campaign: counters (message counts straight from the rows), progress, ETA, timestamps. */
export async function getCampaign(deps: CampaignReadDeps, campaignId: string): Promise<Result<CampaignView>> {
  const c = await loadCampaign(deps.db, campaignId);
  if (!c) return notFound(campaignId);
  const now = (deps.now ?? Date.now)();
  const [m, number] = await Promise.all([
    countCampaignMessages(deps.db, c.id),
    campaignNumber(deps.db, c.phone_number_id),
  ]);
  const waiting = c.status === "running" && number ? await waitOf(deps.db, c.status_reason, now, number) : null;
  // Its messages leave at the number's own throughput (delivery paces each number): that bounds the ETA.
  const progress = computeProgress(c, m, waiting, now, number?.throughputMps ?? deps.throughputMps);
  return {
    ok: true,
    campaign_id: c.id,
    name: c.name,
    status: c.status,
    status_reason: c.status_reason,
    type: c.type,
    template_name: c.template_name,
    locale: c.locale,
    phone_number_id: number?.phoneNumberId ?? c.phone_number_id,
    display_phone_number: number?.displayPhoneNumber ?? null,
    business_id: number?.businessId ?? null,
    audience_filter: c.audience_filter,
    counters: {
      audience: c.audience_count,
      enqueued: c.enqueued_count,
      skipped_by_reason: c.skipped_by_reason,
      sent: m.sent,
      delivered: m.delivered,
      read: m.read,
      failed: m.failed,
      cancelled: m.cancelled,
    },
    progress_pct: progress.pct,
    progress,
    timestamps: {
      created_at: iso(c.created_at),
      scheduled_at: iso(c.scheduled_at),
      started_at: iso(c.started_at),
      paused_at: iso(c.paused_at),
      completed_at: iso(c.completed_at),
      cancelled_at: iso(c.cancelled_at),
      updated_at: iso(c.updated_at),
    },
  };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

async function waitOf(
  db: Db,
  reason: string | null,
  now: number,
  number: CampaignNumber,
): Promise<CampaignWait | null> {
  const w = parseWaitingReason(reason);
  const tier = w ? parseTier(w.tier) : null;
  if (!w || !tier) return null;
  const usage = await tierUsage(db, tier, now, number.businessId);
  const resumesAt = usage.resumesAt ?? (usage.remaining > 0 ? now : w.resumesAt);
  return {
    reason: "messaging_limit",
    tier: tier.name,
    limit: tier.limit,
    used: usage.used,
    resumes_at: resumesAt === null ? null : new Date(resumesAt).toISOString(),
    explanation: `Waiting: Meta's messaging limit ${tier.name} of business ${number.businessId} allows ${tier.limit} unique recipients per rolling 24 h across all its numbers and ${usage.used} were reached; the fan-out continues when the window frees places${resumesAt ? ` (about ${new Date(resumesAt).toISOString()})` : ""}.`,
  };
}

/** Pure: progress and ETA from the campaign row and its message counts. */
export function computeProgress(
  c: Pick<
    CampaignRow,
    "status" | "audience_count" | "enqueued_count" | "skipped_by_reason" | "fanout_done" | "started_at"
  >,
  m: MessageCounts,
  waiting: CampaignWait | null,
  now: number,
  throughputMps?: number,
): CampaignProgress {
  const skipped = Object.values(c.skipped_by_reason).reduce((a, b) => a + b, 0);
  const visited = c.enqueued_count + skipped;
  const finished = skipped + Math.max(0, m.total - m.pending);
  const total = Math.max(c.audience_count, visited);
  const pct =
    c.status === "completed" || total === 0
      ? c.status === "completed" || c.fanout_done
        ? 100
        : 0
      : Math.min(100, Math.floor((1000 * finished) / total) / 10);
  let eta: number | null = null;
  if (c.status === "running" && c.started_at) {
    const elapsed = Math.max(1, now - c.started_at.getTime());
    const from = waiting?.resumes_at ? Math.max(now, Date.parse(waiting.resumes_at)) : now;
    const unvisited = Math.max(0, total - visited);
    const bounds: number[] = [];
    if (unvisited === 0) bounds.push(from);
    else if (visited > 0) bounds.push(from + unvisited / (visited / elapsed)); // the fan-out's own pace
    if (finished > 0) bounds.push(now + Math.max(0, total - finished) / (finished / elapsed));
    if (bounds.length > 0) {
      if (throughputMps && throughputMps > 0) bounds.push(now + ((m.pending + unvisited) * 1000) / throughputMps);
      if (m.heldUntil !== null) bounds.push(m.heldUntil);
      eta = Math.max(...bounds);
    }
  }
  return {
    pct,
    fanout_done: c.fanout_done,
    visited,
    pending: m.pending,
    held_for_quiet_hours: m.held,
    eta: eta === null ? null : new Date(Math.round(eta)).toISOString(),
    waiting,
  };
}
