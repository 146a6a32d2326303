import {
  cancelCampaign,
  estimateAudience,
  parseAudienceFilter,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
} from "@wa/campaigns";
import { parsePolicies, PolicyError, upsertPolicies } from "@wa/compliance";
import { type Consent, writeAudit } from "@wa/db";
import { operatorActor, type Operator } from "@wa/operators";
import { discardDeadLetter, replayDeadLetter } from "@wa/webhooks";
import type { ConsoleDeps } from "../deps.js";
import { refuse, type Outcome } from "../refusal.js";

// Every operator action goes through the same package function as the agent's tool, audited as operator:<name>.

const needReason = (reason: string | undefined) =>
  reason && reason.trim() !== ""
    ? null
    : refuse(
        "INVALID_ARGUMENT",
        "This change needs a reason.",
        'Say where the change comes from (e.g. "customer asked by phone, ticket 4411").',
      );

export type CampaignVerb = "pause" | "resume" | "cancel";

export async function steerCampaign(
  deps: ConsoleDeps,
  op: Operator,
  verb: CampaignVerb,
  id: string,
  reason?: string,
): Promise<Outcome<{ campaign_id: string; status: string }>> {
  const opts = { actor: operatorActor(op.name), ...(reason?.trim() ? { reason: reason.trim() } : {}) };
  const r =
    verb === "pause"
      ? await pauseCampaign(deps.campaigns, id, opts)
      : verb === "resume"
        ? await resumeCampaign(deps.campaigns, id, opts)
        : await cancelCampaign(deps.campaigns, id, opts);
  if (!r.ok) return refuse(r.reason_code, r.human_explanation, r.suggested_action);
  return { ok: true, campaign_id: r.campaign_id, status: r.status };
}

export async function createCampaign(
  deps: ConsoleDeps,
  op: Operator,
  input: {
    name: string;
    type: string;
    template_name: string;
    locale?: string;
    deliver_at: string;
    audience_filter?: unknown;
    variables?: Record<string, string> | string[];
  },
): Promise<Outcome<{ campaign_id: string; audience_estimate: number; deliver_at: string }>> {
  const r = await scheduleCampaign({ db: deps.db, now: deps.now }, input, { actor: operatorActor(op.name) });
  if (!r.ok) return refuse(r.reason_code, r.human_explanation, r.suggested_action);
  return { ok: true, campaign_id: r.campaign_id, audience_estimate: r.audience_estimate, deliver_at: r.deliver_at };
}

export async function audienceEstimate(
  deps: ConsoleDeps,
  filter: unknown,
): Promise<Outcome<{ audience_estimate: number }>> {
  const f = parseAudienceFilter(filter);
  if (!f.ok) return refuse(f.reason_code, f.human_explanation, f.suggested_action);
  return { ok: true, audience_estimate: await estimateAudience(deps.db, f.filter, { now: deps.now() }) };
}

export async function setConsent(
  deps: ConsoleDeps,
  op: Operator,
  customerId: string,
  change: { marketing?: Consent; utility?: Consent },
  reason: string | undefined,
): Promise<Outcome<{ changed: string[] }>> {
  const missing = needReason(reason);
  if (missing) return missing;
  if (!change.marketing && !change.utility)
    return refuse(
      "INVALID_ARGUMENT",
      "Choose marketing and/or utility consent.",
      "Pick granted or revoked for at least one category.",
    );
  const exists = await deps.state.getCustomer({ customerId });
  if (!exists) return refuse("NOT_FOUND", `There is no customer ${customerId}.`, "Search customers by number or name.");
  const r = await deps.state.setConsent({ customerId }, change, {
    source: `console: ${reason!.trim()}`,
    actor: operatorActor(op.name),
  });
  return { ok: true, changed: [...r.changed] };
}

export async function changeTags(
  deps: ConsoleDeps,
  op: Operator,
  customerId: string,
  add: string[],
  remove: string[],
  reason: string | undefined,
): Promise<Outcome<{ tags: string[] }>> {
  const missing = needReason(reason);
  if (missing) return missing;
  if (!add.length && !remove.length)
    return refuse(
      "INVALID_ARGUMENT",
      "Name at least one tag to add or remove.",
      "Type tags such as vip or churn_risk.",
    );
  const exists = await deps.state.getCustomer({ customerId });
  if (!exists) return refuse("NOT_FOUND", `There is no customer ${customerId}.`, "Search customers by number or name.");
  const r = await deps.state.updateTags(
    { customerId },
    { add, remove, reason: reason!.trim() },
    operatorActor(op.name),
  );
  if (!r.ok) return refuse(r.reason_code, r.human_explanation, r.suggested_action);
  return { ok: true, tags: [...r.customer.tags] };
}

export async function replay(deps: ConsoleDeps, op: Operator, id: string): Promise<Outcome<{ id: string }>> {
  const r = await replayDeadLetter({ db: deps.db, processBody: deps.processBody }, id, operatorActor(op.name));
  return r.ok ? { ok: true, id } : refuse(r.reason_code, r.human_explanation, r.suggested_action);
}

export async function discard(
  deps: ConsoleDeps,
  op: Operator,
  id: string,
  reason: string | undefined,
): Promise<Outcome<{ id: string }>> {
  const missing = needReason(reason);
  if (missing) return missing;
  const r = await discardDeadLetter(deps.db, id, reason!, operatorActor(op.name));
  return r.ok ? { ok: true, id } : refuse(r.reason_code, r.human_explanation, r.suggested_action);
}

/** Policies YAML (the policies.yaml format), validated by @wa/compliance exactly like the file at start. */
export async function savePolicies(
  deps: ConsoleDeps,
  op: Operator,
  yamlText: string,
): Promise<Outcome<{ changed: string[] }>> {
  try {
    const policies = parsePolicies(yamlText, "console");
    const changed = await upsertPolicies(deps.db, policies, { actor: operatorActor(op.name), source: "console" });
    return { ok: true, changed };
  } catch (err) {
    if (err instanceof PolicyError)
      return refuse(
        "INVALID_ARGUMENT",
        err.message,
        "Fix the policy as the message says (same rules as policies.yaml) and save again.",
      );
    throw err;
  }
}

/** Re-reads every template from Meta (the gateway's sync function), audited with how many rows it wrote. */
export async function syncTemplatesNow(deps: ConsoleDeps, op: Operator): Promise<Outcome<{ synced: number }>> {
  if (!deps.syncTemplates)
    return refuse(
      "UNAVAILABLE",
      SYNC_UNAVAILABLE,
      "Set META_ACCESS_TOKEN and META_WABA_ID for the console, or let an agent run sync_webhooks; the gateway also syncs on its own every TEMPLATE_SYNC_SECS.",
    );
  const r = await deps.syncTemplates();
  if (!r.ok)
    return refuse(
      "META_API_ERROR",
      `Meta did not answer the template list: ${r.problem}`,
      "The stored templates still apply; try again later.",
    );
  await writeAudit(deps.db, {
    actor: operatorActor(op.name),
    action: "templates.synced",
    subjectType: "templates",
    subjectId: "all",
    details: { templates_synced: r.synced },
  });
  return { ok: true, synced: r.synced };
}

export const SYNC_UNAVAILABLE =
  "The console has no Meta access token or WABA id, so it cannot read templates from Meta.";
