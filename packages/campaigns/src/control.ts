import type { Result } from "@wa/contract";
import { sql } from "kysely";
import { writeAudit, type CampaignRow, type CampaignStatus, type Db } from "@wa/db";
import type { LogLike } from "@wa/observability";
import { cancelSendableMessages, type OnMessagesCancelled } from "./cancel-messages.js";
import { checkTransition } from "./lifecycle.js";
import { withCampaignLock, type Trx } from "./lock.js";
import { getCampaign, notFound, type CampaignView } from "./progress.js";
import type { CampaignActor, CampaignProgress, Clock } from "./types.js";

/** Publishes whatsapp.campaigns.trigger for (campaign, run); see campaignTriggerPublisher. */
export type PublishTrigger = (campaignId: string, run: number) => Promise<void>;

export interface CampaignControlDeps {
  readonly db: Db;
  readonly now?: Clock;
  readonly log?: LogLike;
  readonly publishTrigger?: PublishTrigger; // resume publishes the next run; without it the worker's sweeper does
  readonly onMessagesCancelled?: OnMessagesCancelled;
  readonly throughputMps?: number;
}

export interface ControlOptions {
  readonly actor?: CampaignActor;
  readonly reason?: string;
}

export interface PauseResult {
  readonly campaign_id: string;
  readonly status: "paused";
  readonly from_status: CampaignStatus;
  readonly progress: CampaignProgress;
}
export interface ResumeResult {
  readonly campaign_id: string;
  readonly status: "running" | "scheduled";
  readonly from_status: CampaignStatus;
  readonly progress: CampaignProgress;
}
export interface CancelResult {
  readonly campaign_id: string;
  readonly status: "cancelled";
  readonly from_status: CampaignStatus;
  readonly messages_cancelled: number;
}

// Row lock too: completion (running → completed) does not take the fan-out lock. NO KEY UPDATE does not
// block message inserts that reference the campaign (their FK check takes KEY SHARE).
async function lockedRow(trx: Trx, id: string): Promise<CampaignRow | undefined> {
  return trx.selectFrom("campaigns").selectAll().where("id", "=", id).forNoKeyUpdate().executeTakeFirst();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** pause_campaign: scheduled/running → paused. Waits for the fan-out page in progress, so nothing follows it. */
export async function pauseCampaign(
  deps: CampaignControlDeps,
  campaignId: string,
  opts: ControlOptions = {},
): Promise<Result<PauseResult>> {
  if (!UUID.test(campaignId)) return notFound(campaignId);
  const r = await withCampaignLock(deps.db, campaignId, async (trx) => {
    const now = (deps.now ?? Date.now)(); // read after the lock: the change happens after the page in flight
    const c = await lockedRow(trx, campaignId);
    if (!c) return notFound(campaignId);
    const t = checkTransition(c.status, "pause");
    if (!t.ok) return t;
    await setStatus(
      trx,
      c,
      "paused",
      { paused_at: new Date(now), status_reason: opts.reason ?? `paused by ${opts.actor ?? "agent"}` },
      now,
    );
    await audit(trx, c.id, "campaign.paused", opts, { from_status: c.status });
    return { ok: true as const, from: c.status };
  });
  if (!r.ok) return r;
  return {
    ok: true,
    campaign_id: campaignId,
    status: "paused",
    from_status: r.from,
    progress: await progressOf(deps, campaignId),
  };
}

/** resume_campaign: paused → running (or scheduled while its time has not come); continues from the cursor. */
export async function resumeCampaign(
  deps: CampaignControlDeps,
  campaignId: string,
  opts: ControlOptions = {},
): Promise<Result<ResumeResult>> {
  if (!UUID.test(campaignId)) return notFound(campaignId);
  const r = await withCampaignLock(deps.db, campaignId, async (trx) => {
    const now = (deps.now ?? Date.now)(); // read after the lock: the change happens after the page in flight
    const c = await lockedRow(trx, campaignId);
    if (!c) return notFound(campaignId);
    const t = checkTransition(c.status, "resume");
    if (!t.ok) return t;
    const to: "scheduled" | "running" = c.scheduled_at.getTime() > now ? "scheduled" : "running";
    // A new run: the trigger's Nats-Msg-Id (<id>:<run>) must differ from the run that was paused.
    await setStatus(trx, c, to, { status_reason: null, run: c.run + 1 }, now);
    await audit(trx, c.id, "campaign.resumed", opts, { from_status: c.status, to_status: to, run: c.run + 1 });
    return { ok: true as const, from: c.status, to, run: c.run + 1 };
  });
  if (!r.ok) return r;
  if (r.to === "running") await publishQuietly(deps, campaignId, r.run);
  return {
    ok: true,
    campaign_id: campaignId,
    status: r.to,
    from_status: r.from,
    progress: await progressOf(deps, campaignId),
  };
}

/** cancel_campaign: anything not finished → cancelled; its queued-not-sent messages become cancelled. */
export async function cancelCampaign(
  deps: CampaignControlDeps,
  campaignId: string,
  opts: ControlOptions = {},
): Promise<Result<CancelResult>> {
  if (!UUID.test(campaignId)) return notFound(campaignId);
  const r = await withCampaignLock(deps.db, campaignId, async (trx) => {
    const now = (deps.now ?? Date.now)(); // read after the lock: the change happens after the page in flight
    const c = await lockedRow(trx, campaignId);
    if (!c) return notFound(campaignId);
    const t = checkTransition(c.status, "cancel");
    if (!t.ok) return t;
    await setStatus(
      trx,
      c,
      "cancelled",
      { cancelled_at: new Date(now), status_reason: opts.reason ?? `cancelled by ${opts.actor ?? "agent"}` },
      now,
    );
    const cancelled = await cancelSendableMessages(trx, c.id, now);
    await trx
      .updateTable("campaigns")
      .set({ cancelled_count: sql`cancelled_count + ${cancelled.length}` })
      .where("id", "=", c.id)
      .execute();
    await audit(trx, c.id, "campaign.cancelled", opts, { from_status: c.status, messages_cancelled: cancelled.length });
    return { ok: true as const, from: c.status, cancelled };
  });
  if (!r.ok) return r;
  await afterCancel(deps, r.cancelled);
  return {
    ok: true,
    campaign_id: campaignId,
    status: "cancelled",
    from_status: r.from,
    messages_cancelled: r.cancelled.length,
  };
}

// Meta's template statuses that stop a campaign until the template comes back (status webhook or sync).
const PAUSING_TEMPLATE = ["PAUSED", "DISABLED"];

/**
 * Pauses every scheduled/running campaign whose template the templates table says Meta paused or disabled
 * (the webhook processor and sync_template_status only write that table). The campaign sweeper calls it every
 * sweep, so campaigns own their lifecycle and nothing below them imports this package. Returns the ids paused.
 */
export async function pauseCampaignsForPausedTemplates(
  deps: CampaignControlDeps,
  opts: ControlOptions = {},
): Promise<string[]> {
  const rows = await deps.db
    .selectFrom("campaigns")
    .leftJoin("phone_numbers", "phone_numbers.phone_number_id", "campaigns.phone_number_id")
    // the template of the campaign number's WABA (a campaign without a number: any WABA's, as before accounts)
    .innerJoin("templates", (j) =>
      j
        .onRef("templates.name", "=", "campaigns.template_name")
        .onRef("templates.locale", "=", "campaigns.locale")
        .on((eb) =>
          eb.or([
            eb("phone_numbers.waba_id", "is", null),
            eb("templates.waba_id", "=", eb.ref("phone_numbers.waba_id")),
          ]),
        ),
    )
    .select(["campaigns.id", "templates.status as template_status"])
    .where("campaigns.status", "in", ["scheduled", "running"])
    .where(sql<string>`upper(templates.status)`, "in", PAUSING_TEMPLATE)
    .execute();
  const paused: string[] = [];
  for (const { id, template_status } of rows) {
    const reason = opts.reason ?? `template_${template_status.toLowerCase()}`;
    const r = await pauseCampaign(deps, id, { actor: opts.actor ?? "webhook", reason });
    if (r.ok) paused.push(id);
  }
  return paused;
}

type StatusFields = Partial<Pick<CampaignRow, "paused_at" | "cancelled_at" | "completed_at" | "status_reason" | "run">>;

export async function setStatus(
  trx: Trx | Db,
  c: Pick<CampaignRow, "id" | "status">,
  to: CampaignStatus,
  fields: StatusFields,
  now: number,
): Promise<void> {
  const r = await trx
    .updateTable("campaigns")
    .set({ ...fields, status: to, updated_at: new Date(now) })
    .where("id", "=", c.id)
    .where("status", "=", c.status)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new Error(`campaign ${c.id} left ${c.status} while moving to ${to}`);
}

async function audit(
  trx: Trx,
  id: string,
  action: string,
  opts: ControlOptions,
  details: Record<string, unknown>,
): Promise<void> {
  await writeAudit(trx, {
    actor: opts.actor ?? "agent",
    action,
    subjectType: "campaign",
    subjectId: id,
    details: { ...details, reason: opts.reason ?? null },
  });
}

async function progressOf(deps: CampaignControlDeps, id: string): Promise<CampaignProgress> {
  const v = await getCampaign(deps, id);
  if (!v.ok) throw new Error(`campaign ${id} vanished`);
  return (v as CampaignView).progress;
}

async function publishQuietly(deps: CampaignControlDeps, id: string, run: number): Promise<void> {
  if (!deps.publishTrigger) return;
  try {
    await deps.publishTrigger(id, run);
  } catch (err) {
    // The campaign is running with no trigger: the worker's sweeper finds it idle and re-triggers it.
    deps.log?.warn({ err, campaign_id: id, run }, "campaign trigger publish failed; the sweeper will retry");
  }
}

async function afterCancel(deps: CampaignControlDeps, cancelled: Parameters<OnMessagesCancelled>[0]): Promise<void> {
  if (!deps.onMessagesCancelled || cancelled.length === 0) return;
  try {
    await deps.onMessagesCancelled(cancelled);
  } catch (err) {
    deps.log?.warn({ err, count: cancelled.length }, "after-cancel hook failed (Postgres already released the slots)");
  }
}
