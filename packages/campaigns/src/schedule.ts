import { loadTemplate, type ButtonPart, type HeaderPart, type Variables } from "@wa/compliance";
import { DAY_MS, MAX_SCHEDULE_DAYS } from "@wa/config";
import { refuse, type Result } from "@wa/contract";
import { writeAudit, type Db } from "@wa/db";
import type { ApprovalGate, PendingApproval } from "@wa/messaging";
import { parseAudienceFilter } from "./audience-filter.js";
import { estimateAudience } from "./audience.js";
import { resolveFrom } from "./number.js";
import { checkCampaignTemplate } from "./template-rules.js";
import type { CampaignActor, Clock } from "./types.js";

const MAX_AHEAD_MS = MAX_SCHEDULE_DAYS * DAY_MS; // same horizon as schedule_message
const DEFAULT_CHANNEL = "whatsapp";
const PAST_GRACE_MS = 5 * 60_000; // clock skew: a deliver_at this far in the past means "now"

/** schedule_campaign's input, as the tool receives it (tools.md). */
export interface ScheduleCampaignInput {
  readonly name: string;
  readonly type: string; // marketing | utility
  readonly template_name: string;
  readonly locale?: string;
  readonly variables?: Variables;
  readonly header?: HeaderPart; // the template header's parameter, the same for every recipient
  readonly buttons?: readonly ButtonPart[];
  readonly audience_filter?: unknown;
  readonly deliver_at: string; // RFC 3339
  readonly channel?: string;
  readonly from?: string; // the business number: phone_number_id or display number; default: the default number
}

export interface ScheduledCampaign {
  readonly campaign_id: string;
  readonly status: "scheduled";
  readonly audience_estimate: number;
  readonly deliver_at: string;
  readonly phone_number_id: string | null; // null only while no app has synced accounts (then the default number)
  readonly display_phone_number: string | null;
}

export interface CampaignStoreDeps {
  readonly db: Db;
  readonly now?: Clock;
}

/** Stores a campaign (template APPROVED, variables matching, audience estimated now) as `scheduled`. */
export async function scheduleCampaign(
  deps: CampaignStoreDeps,
  input: ScheduleCampaignInput,
  opts: { actor?: CampaignActor } = {},
): Promise<Result<ScheduledCampaign>> {
  return (await store(deps, input, opts, null)) as Result<ScheduledCampaign>; // ungated: scheduled or refused
}

/**
 * An agent's schedule_campaign: the same checks, then the approval gate (require_approval: audience size,
 * category, tag, agent, tool) before anything is stored. An operator's approval re-runs scheduleCampaign.
 */
export async function requestCampaign(
  deps: CampaignStoreDeps & { readonly approvals: ApprovalGate },
  input: ScheduleCampaignInput,
  opts: { actor?: CampaignActor } = {},
): Promise<Result<ScheduledCampaign> | PendingApproval> {
  return store(deps, input, opts, deps.approvals);
}

async function store(
  deps: CampaignStoreDeps,
  input: ScheduleCampaignInput,
  opts: { actor?: CampaignActor },
  gate: ApprovalGate | null,
): Promise<Result<ScheduledCampaign> | PendingApproval> {
  const now = (deps.now ?? Date.now)();
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (name.length < 1 || name.length > 200)
    return bad("name must be 1-200 characters.", "Give the campaign a short name.");
  if (input.type !== "marketing" && input.type !== "utility") {
    return bad(
      `type must be "marketing" or "utility", got "${String(input.type)}".`,
      'Use type "marketing" or "utility".',
    );
  }
  if ((input.channel ?? "whatsapp") !== "whatsapp") {
    return bad(`channel "${input.channel}" is not active; only whatsapp is.`, 'Leave channel out or use "whatsapp".');
  }
  const at = parseTime(input.deliver_at);
  if (at === null)
    return bad(
      `deliver_at "${String(input.deliver_at)}" is not an RFC 3339 time.`,
      "Use a time such as 2026-05-01T09:00:00Z.",
    );
  if (at < now - PAST_GRACE_MS) return bad("deliver_at is in the past.", "Use a future time (or now).");
  if (at > now + MAX_AHEAD_MS)
    return bad("deliver_at is more than 30 days ahead.", "Schedule within the next 30 days.");
  const filter = parseAudienceFilter(input.audience_filter);
  if (!filter.ok) return filter;
  const number = await resolveFrom(deps.db, input.from);
  if (number && "ok" in number) return number;
  // The audience is the customers of the number's business (its channel); "whatsapp" is the default business's.
  const channel = number?.channel ?? DEFAULT_CHANNEL;
  const locale = (input.locale ?? "en").trim() || "en";
  // Templates belong to a WABA: the number's (another WABA's template is TEMPLATE_NOT_FOUND naming both).
  const template = await loadTemplate(deps.db, input.template_name, locale, number?.wabaId);
  const tpl = checkCampaignTemplate(template, {
    name: input.template_name,
    locale,
    type: input.type,
    variables: input.variables,
    ...(input.header ? { header: input.header } : {}),
    ...(input.buttons ? { buttons: input.buttons } : {}),
  });
  if (!tpl.ok) return tpl;

  const audience = await estimateAudience(deps.db, filter.filter, { now, channel });
  const scheduledAt = new Date(Math.max(at, now));
  if (gate) {
    const pending = await gate({
      facts: {
        kind: "campaign",
        category: input.type,
        channel,
        actor: opts.actor ?? "agent",
        tool: "schedule_campaign",
        audience,
        tags: () => filter.filter.include_tags ?? [],
      },
      request: { ...input },
      summary: {
        name,
        category: input.type,
        template_name: input.template_name,
        locale,
        from: number?.phoneNumberId ?? null,
        audience_filter: filter.filter,
        audience_estimate: audience,
        deliver_at: scheduledAt.toISOString(),
      },
      checks: [
        { rule: "template", passed: true, detail: `${input.template_name} (${locale}) is APPROVED as ${input.type}` },
        { rule: "audience", passed: true, detail: `${audience} customer(s) match now; each is checked at send time` },
      ],
    });
    if (pending) return pending;
  }
  const id = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("campaigns")
      .values({
        name,
        type: input.type as "marketing" | "utility",
        template_name: input.template_name,
        locale,
        variables: input.variables === undefined ? null : JSON.stringify(input.variables),
        template_header: input.header ? JSON.stringify(input.header) : null,
        template_buttons: input.buttons ? JSON.stringify(input.buttons) : null,
        audience_filter: JSON.stringify(filter.filter),
        scheduled_at: scheduledAt,
        audience_count: audience,
        channel,
        phone_number_id: number?.phoneNumberId ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor: opts.actor ?? "agent",
      action: "campaign.scheduled",
      subjectType: "campaign",
      subjectId: row.id,
      details: {
        name,
        template_name: input.template_name,
        locale,
        phone_number_id: number?.phoneNumberId ?? null,
        audience_filter: filter.filter,
        deliver_at: scheduledAt.toISOString(),
        audience_estimate: audience,
      },
    });
    return row.id;
  });
  return {
    ok: true,
    campaign_id: id,
    status: "scheduled",
    audience_estimate: audience,
    deliver_at: scheduledAt.toISOString(),
    phone_number_id: number?.phoneNumberId ?? null,
    display_phone_number: number?.displayPhoneNumber ?? null,
  };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseTime(s: unknown): number | null {
  if (typeof s !== "string" || !RFC3339.test(s.trim())) return null;
  const t = Date.parse(s.trim());
  return Number.isFinite(t) ? t : null;
}

function bad(explanation: string, action: string) {
  return refuse("INVALID_ARGUMENT", explanation, action);
}
