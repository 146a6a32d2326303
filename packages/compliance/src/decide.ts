import { COMPLIANCE_DEFAULTS } from "@wa/config";
import { parseRecipient } from "./recipient.js";
import { notRevokedRule, optInRule } from "./rules/consent-rules.js";
import type { Outcome, Rule, RuleContext } from "./rules/context.js";
import { frequencyRule } from "./rules/frequency-rule.js";
import { marketingLimitRule } from "./rules/marketing-limit-rule.js";
import { phoneRule } from "./rules/phone-rule.js";
import { policyRules } from "./rules/policy-rules.js";
import { partsOf, templateRules } from "./rules/template-rules.js";
import { usMarketingPauseRule } from "./rules/us-marketing-pause-rule.js";
import { windowRule } from "./rules/window-rule.js";
import type { ConsentMode, DecideOptions, Decision, DecisionRequest, Facts, MessageCategory } from "./types.js";

/** compliance.md's order; the first denial wins, every rule is reported. */
const RULES: readonly Rule[] = [
  phoneRule,
  notRevokedRule,
  optInRule,
  windowRule,
  templateRules,
  frequencyRule,
  marketingLimitRule,
  usMarketingPauseRule,
  policyRules,
];

/**
 * What can change while a message waits in the queue (rules 2, 4 and 6b): an opt-out since enqueue, a window that
 * closed before a free-form message went, or Meta's per-user marketing limit hit by an earlier message. The cap
 * (already reserved), the template and the policies were decided at enqueue (or at dispatch for a scheduled
 * message) and are not asked again.
 */
const QUEUED_RULES: readonly Rule[] = [notRevokedRule, windowRule, marketingLimitRule];

/** The decision options from config values; anything not given takes the @wa/config default. */
export function decideOptions(o: {
  readonly consentMode?: ConsentMode;
  readonly defaultCap?: number;
  readonly defaultTimezone?: string;
  readonly usMarketingPause?: boolean;
}): DecideOptions {
  return {
    consentMode: o.consentMode ?? COMPLIANCE_DEFAULTS.consentMode,
    defaultCap: o.defaultCap ?? COMPLIANCE_DEFAULTS.marketingDailyCap,
    defaultTimezone: o.defaultTimezone ?? COMPLIANCE_DEFAULTS.timezone,
    usMarketingPause: o.usMarketingPause ?? COMPLIANCE_DEFAULTS.usMarketingPause,
  };
}

export function isTemplateSend(req: DecisionRequest): boolean {
  return req.message_type === "template" || Boolean(req.template_name?.trim());
}

/** A template message's category is the template's own (any case from Meta); otherwise the message_type. */
function resolveCategory(req: DecisionRequest, facts: Facts): MessageCategory | null {
  if (isTemplateSend(req) && facts.template?.found) {
    const c = facts.template.template.category.toLowerCase();
    return c === "utility" || c === "authentication" ? c : "marketing"; // anything unexpected: the strictest
  }
  return req.message_type === "template" ? null : req.message_type;
}

function allowedAnswer(
  category: MessageCategory,
  req: DecisionRequest,
  customerId: string,
): Pick<Decision, "human_explanation" | "suggested_action"> {
  const action =
    category === "service"
      ? "Send it with send_message, or reply_customer to answer a specific message."
      : isTemplateSend(req)
        ? "Send it with send_template."
        : "Send it with send_template using an APPROVED template (see list_templates).";
  return {
    human_explanation: `This ${category} message to ${customerId} passes every compliance rule.`,
    suggested_action: action,
  };
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set(["marketing", "utility", "authentication", "service", "template"]);

/** The pure decision: no I/O, no clock but `facts.now`. */
export function decide(facts: Facts, request: DecisionRequest, options: DecideOptions): Decision {
  return run(RULES, facts, request, options);
}

/** The delivery worker's re-check of a queued message, with the same rules and answers as `decide`. */
export function recheckQueued(facts: Facts, request: DecisionRequest): Decision {
  return run(QUEUED_RULES, facts, request, decideOptions({})); // these rules read no option
}

function run(rules: readonly Rule[], facts: Facts, request: DecisionRequest, options: DecideOptions): Decision {
  const recipient = parseRecipient(request.customer_id);
  if (!MESSAGE_TYPES.has(request.message_type)) {
    return {
      allowed: false,
      reason_code: "INVALID_ARGUMENT",
      human_explanation: `Unknown message_type "${String(request.message_type)}"; it must be marketing, utility, authentication, service or template.`,
      suggested_action: "Call check_compliance again with one of those message types.",
      checks: [],
      category: null,
      customer_id: recipient.ok ? recipient.id : null,
    };
  }
  const category = resolveCategory(request, facts);
  const ctx: RuleContext = {
    request,
    facts,
    options,
    recipient,
    category,
    templateSend: isTemplateSend(request),
    channel: request.channel ?? "whatsapp",
  };
  const outcomes: Outcome[] = rules.flatMap((rule) => rule(ctx));
  const parts = templateParts(ctx);
  const checks = outcomes.map((o) => ({ rule: o.rule, passed: o.status !== "fail", detail: o.detail }));
  const customerId = recipient.ok ? recipient.id : null;
  const denied = outcomes.find((o) => o.status === "fail");
  if (denied?.denial) return { allowed: false, ...denied.denial, checks, category, customer_id: customerId, ...parts };
  // Unreachable in practice: a category is null only when the template was not found (a denial).
  if (category === null || customerId === null) throw new Error("compliance: allowed without category or recipient");
  return {
    allowed: true,
    ...allowedAnswer(category, request, customerId),
    checks,
    category,
    customer_id: customerId,
    ...parts,
  };
}

/** A template send's header and buttons as they go to Meta, when they fit the template (what the row stores). */
function templateParts(ctx: RuleContext): { template_parts?: Decision["template_parts"] } {
  const t = ctx.facts.template;
  if (!ctx.templateSend || !t?.found || ctx.request.variables === undefined) return {};
  const r = partsOf(t.template, ctx.request);
  return r.ok ? { template_parts: r.parts } : {};
}
