import type { ButtonPart, HeaderPart, Variables } from "@wa/compliance";
import { sql } from "kysely";
import { writeAudit, type CampaignRow, type CampaignStatus, type Db } from "@wa/db";
import type { LogLike } from "@wa/observability";
import { storedFilter } from "./audience-filter.js";
import { audiencePage, estimateAudience } from "./audience.js";
import { completeIfDone } from "./complete.js";
import { setStatus } from "./control.js";
import { withCampaignLock, type Trx } from "./lock.js";
import { campaignNumber, type CampaignNumber } from "./number.js";
import { idempotencyKeyFor, type CampaignSend, type EnqueueBatch, type RecipientOutcome } from "./recipient.js";
import { addSkips } from "./skip-reasons.js";
import { templateVerdict } from "./template-rules.js";
import { tierUsage } from "./tier-usage.js";
import type { MessagingTier } from "./tiers.js";
import type { Clock } from "./types.js";
import { waitingReason } from "./wait-reason.js";

/** The messaging-limit tier of the number's business portfolio (shared by all its numbers). */
export type TierSource = (number: CampaignNumber) => Promise<MessagingTier>;

export interface FanOutDeps {
  readonly db: Db;
  readonly send: EnqueueBatch; // sendThroughMessaging(...).enqueueBatch (@wa/messaging enqueueBatch)
  readonly tier: TierSource;
  readonly log: LogLike;
  readonly pageSize: number; // CAMPAIGN_PAGE_SIZE
  readonly now?: Clock;
  readonly onRecipients?: (outcome: string, n: number) => void; // e.g. wa_campaign_recipients_total
}

export interface FanOutRun {
  readonly campaignId: string;
  readonly run: number;
  readonly working?: () => void; // extends the trigger's ack deadline
  readonly signal?: AbortSignal; // shutdown: stop between pages
}

export type FanOutResult =
  | { readonly outcome: "done"; readonly completed: boolean }
  | { readonly outcome: "stopped"; readonly status: CampaignStatus }
  | { readonly outcome: "stale" | "not_found" | "interrupted" }
  | { readonly outcome: "waiting"; readonly resumesAt: number | null }
  | { readonly outcome: "not_due"; readonly afterMs: number }
  | { readonly outcome: "fault"; readonly error: unknown };

type Step = { readonly next: true } | { readonly end: FanOutResult };

/** Fans one campaign run out page by page until done, stopped, waiting for the tier, or interrupted. */
export async function runFanOut(deps: FanOutDeps, run: FanOutRun): Promise<FanOutResult> {
  const budget = { remaining: 0, tier: null as MessagingTier | null };
  for (;;) {
    if (run.signal?.aborted) return { outcome: "interrupted" };
    run.working?.();
    let step: Step;
    try {
      step = await withCampaignLock(deps.db, run.campaignId, (trx) => page(deps, run, trx, budget));
    } catch (error) {
      return { outcome: "fault", error };
    }
    if ("end" in step) {
      if (step.end.outcome !== "done") return step.end;
      const completed = await completeIfDone(deps.db, run.campaignId, now(deps));
      return { outcome: "done", completed };
    }
  }
}

const now = (deps: FanOutDeps): number => (deps.now ?? Date.now)();

async function page(
  deps: FanOutDeps,
  run: FanOutRun,
  trx: Trx,
  budget: { remaining: number; tier: MessagingTier | null },
): Promise<Step> {
  const t = now(deps);
  const c = await trx.selectFrom("campaigns").selectAll().where("id", "=", run.campaignId).executeTakeFirst();
  if (!c) return { end: { outcome: "not_found" } };
  if (c.run !== run.run) return { end: { outcome: "stale" } };
  if (c.status === "scheduled") {
    const afterMs = c.scheduled_at.getTime() - t;
    if (afterMs > 1000) return { end: { outcome: "not_due", afterMs } };
    await setStatus(trx, c, "running", {}, t);
    await system(trx, c.id, "campaign.started", { run: c.run });
  } else if (c.status !== "running") {
    return { end: { outcome: "stopped", status: c.status } };
  }
  if (c.fanout_done) return { end: { outcome: "done", completed: false } };
  const number = await campaignNumber(trx, c.phone_number_id);
  // A number taken out of accounts.yaml sends nothing more; listed again, resume_campaign continues from the cursor.
  if (!number?.active) {
    const details = { phone_number_id: c.phone_number_id };
    return { end: await stopCampaign(trx, c, "pause", "number_inactive", t, details) };
  }
  const filter = storedFilter(c.audience_filter);
  if (c.started_at === null) {
    const audience = await estimateAudience(trx, filter, { now: t, channel: number.channel });
    await trx
      .updateTable("campaigns")
      .set({ started_at: new Date(t), audience_count: audience })
      .where("id", "=", c.id)
      .execute();
  }

  const tpl = await trx
    .selectFrom("templates")
    .select("status")
    .where("name", "=", c.template_name)
    .where("locale", "=", c.locale)
    .where("waba_id", "=", number.wabaId) // the number's WABA: another WABA's template of that name is not it
    .executeTakeFirst();
  const verdict = templateVerdict(tpl?.status ?? null);
  if (verdict.action !== "send")
    return { end: await stopCampaign(trx, c, verdict.action, verdict.reason, t, templateOf(c)) };

  // A finite tier is re-read every page: the budget is the business portfolio's, shared with its other numbers,
  // campaigns and sends.
  if (Number.isFinite(budget.remaining)) {
    budget.tier = await deps.tier(number);
    const usage = await tierUsage(deps.db, budget.tier, t, number.businessId);
    budget.remaining = usage.remaining;
    if (usage.remaining <= 0) {
      await trx
        .updateTable("campaigns")
        .set({ status_reason: waitingReason(budget.tier.name, usage.resumesAt) })
        .where("id", "=", c.id)
        .execute();
      deps.log.info(
        {
          campaign_id: c.id,
          business_id: number.businessId,
          tier: budget.tier.name,
          used: usage.used,
          resumes_at: usage.resumesAt,
        },
        "campaign waits for the messaging-limit window",
      );
      return { end: { outcome: "waiting", resumesAt: usage.resumesAt } };
    }
  }

  const limit = Math.max(1, Math.min(deps.pageSize, budget.remaining));
  const ids = await audiencePage(trx, { filter, channel: number.channel, after: c.cursor, limit, now: t });
  const res = await deps.send(ids.map(sendFor(c, number)), () => run.working?.());
  const tally = tallyOf(res.handled);
  const visited = c.enqueued_count + sumOf(c.skipped_by_reason) + res.handled.length;
  const endOfAudience = res.stop === null && ids.length < limit;
  await trx
    .updateTable("campaigns")
    .set({
      cursor: res.handled.length > 0 ? (ids[res.handled.length - 1] ?? c.cursor) : c.cursor,
      enqueued_count: sql`enqueued_count + ${tally.enqueued}`,
      skipped_by_reason: JSON.stringify(addSkips(c.skipped_by_reason, tally.skipped)),
      status_reason: null,
      updated_at: new Date(t),
      ...(endOfAudience ? { fanout_done: true, audience_count: visited } : {}),
    })
    .where("id", "=", c.id)
    .execute();
  budget.remaining -= tally.created; // Infinity stays Infinity
  for (const [outcome, n] of Object.entries(tally.byOutcome)) deps.onRecipients?.(outcome, n);

  if (res.stop?.kind === "halt") {
    const reason = res.stop.outcome.reasonCode.toLowerCase();
    return { end: await stopCampaign(trx, c, "pause", reason, t, templateOf(c)) };
  }
  if (res.stop?.kind === "fault") return { end: { outcome: "fault", error: res.stop.error } };
  if (endOfAudience) {
    await system(trx, c.id, "campaign.fanout_done", { audience: visited, run: c.run });
    return { end: { outcome: "done", completed: false } };
  }
  return { next: true };
}

function sendFor(c: CampaignRow, number: CampaignNumber): (customerId: string) => CampaignSend {
  return (customerId) => ({
    campaignId: c.id,
    channel: number.channel,
    phoneNumberId: number.phoneNumberId,
    customerId,
    category: c.type,
    templateName: c.template_name,
    locale: c.locale,
    variables: (c.variables ?? null) as Variables | null,
    header: (c.template_header ?? null) as HeaderPart | null,
    buttons: (c.template_buttons ?? null) as ButtonPart[] | null,
    idempotencyKey: idempotencyKeyFor(c.id, customerId),
  });
}

function tallyOf(outcomes: readonly RecipientOutcome[]) {
  const skipped: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  let enqueued = 0;
  let created = 0;
  for (const o of outcomes) {
    if (o.kind === "enqueued") {
      enqueued++;
      if (o.created) created++;
      const k = o.held ? "held" : "enqueued";
      byOutcome[k] = (byOutcome[k] ?? 0) + 1;
    } else if (o.kind === "skipped") {
      skipped[o.reason] = (skipped[o.reason] ?? 0) + 1;
      byOutcome[`skipped_${o.reason}`] = (byOutcome[`skipped_${o.reason}`] ?? 0) + 1;
    }
  }
  return { enqueued, created, skipped, byOutcome };
}

const sumOf = (m: Readonly<Record<string, number>>): number => Object.values(m).reduce((a, b) => a + b, 0);

const templateOf = (c: CampaignRow) => ({ template_name: c.template_name, locale: c.locale });

async function stopCampaign(
  trx: Trx,
  c: CampaignRow,
  action: "pause" | "fail",
  reason: string,
  t: number,
  details: Record<string, unknown>,
): Promise<FanOutResult> {
  const to = action === "pause" ? "paused" : "failed";
  await setStatus(
    trx,
    { id: c.id, status: "running" },
    to,
    { status_reason: reason, ...(to === "paused" ? { paused_at: new Date(t) } : {}) },
    t,
  );
  await system(trx, c.id, `campaign.${to}`, { reason, ...details });
  return { outcome: "stopped", status: to };
}

async function system(trx: Trx, id: string, action: string, details: Record<string, unknown>): Promise<void> {
  await writeAudit(trx, { actor: "system", action, subjectType: "campaign", subjectId: id, details });
}
