import { parseRecipient } from "./recipient.js";
import { notRevokedRule, optInRule } from "./rules/consent-rules.js";
import type { Outcome, Rule, RuleContext } from "./rules/context.js";
import { frequencyRule } from "./rules/frequency-rule.js";
import { phoneRule } from "./rules/phone-rule.js";
import { policyRules } from "./rules/policy-rules.js";
import { templateRules } from "./rules/template-rules.js";
import { windowRule } from "./rules/window-rule.js";
import type { DecideOptions, Decision, DecisionRequest, Facts, MessageCategory } from "./types.js";

/** compliance.md's order; the first denial wins, every rule is reported. */
const RULES: readonly Rule[] = [phoneRule, notRevokedRule, optInRule, windowRule, templateRules, frequencyRule, policyRules];

export function isTemplateSend(req: DecisionRequest): boolean {
  return req.message_type === "template" || Boolean(req.template_name?.trim());
}

/** A template message's category is the template's own (any case from Meta); otherwise the message_type. */
export function resolveCategory(req: DecisionRequest, facts: Facts): MessageCategory | null {
  if (isTemplateSend(req) && facts.template?.found) {
    const c = facts.template.template.category.toLowerCase();
    return c === "utility" || c === "authentication" ? c : "marketing"; // anything unexpected: the strictest
  }
  return req.message_type === "template" ? null : req.message_type;
}

function allowedAnswer(category: MessageCategory, req: DecisionRequest, customerId: string): Pick<Decision, "human_explanation" | "suggested_action"> {
  const action =
    category === "service"
      ? "Send it with send_message, or reply_customer to answer a specific message."
      : isTemplateSend(req)
        ? "Send it with send_template."
        : "Send it with send_template using an APPROVED template (see list_templates).";
  return { human_explanation: `This ${category} message to ${customerId} passes every compliance rule.`, suggested_action: action };
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set(["marketing", "utility", "authentication", "service", "template"]);

/** The pure decision: no I/O, no clock but `facts.now`. */
export function decide(facts: Facts, request: DecisionRequest, options: DecideOptions): Decision {
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
  const outcomes: Outcome[] = RULES.flatMap((rule) => rule(ctx));
  const checks = outcomes.map((o) => ({ rule: o.rule, passed: o.status !== "fail", detail: o.detail }));
  const customerId = recipient.ok ? recipient.id : null;
  const denied = outcomes.find((o) => o.status === "fail");
  if (denied?.denial) return { allowed: false, ...denied.denial, checks, category, customer_id: customerId };
  // Unreachable in practice: a category is null only when the template was not found (a denial).
  if (category === null || customerId === null) throw new Error("compliance: allowed without category or recipient");
  return { allowed: true, ...allowedAnswer(category, request, customerId), checks, category, customer_id: customerId };
}
