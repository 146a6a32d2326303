import type { Recipient } from "../recipient.js";
import type { DecideOptions, DecisionRequest, DenialCode, Facts, MessageCategory } from "../types.js";

export interface Denial {
  readonly reason_code: DenialCode;
  readonly human_explanation: string;
  readonly suggested_action: string;
  readonly resets_at?: string;
  readonly opens_at?: string;
  readonly policy_id?: string;
  readonly template_status?: string; // TEMPLATE_NOT_APPROVED: Meta's status (PAUSED, DISABLED, PENDING…)
}

/** "skip" = not applicable or not evaluable; reported as passed, never a denial. */
export interface Outcome {
  readonly rule: string;
  readonly status: "pass" | "fail" | "skip";
  readonly detail: string;
  readonly denial?: Denial;
}

export interface RuleContext {
  readonly request: DecisionRequest;
  readonly facts: Facts;
  readonly options: DecideOptions;
  readonly recipient: Recipient;
  readonly category: MessageCategory | null;
  readonly templateSend: boolean;
  readonly channel: string;
}

export type Rule = (ctx: RuleContext) => Outcome | readonly Outcome[];

export const RULE_NAMES = {
  phone: "valid_phone_number",
  notRevoked: "consent_not_revoked",
  optIn: "marketing_opt_in",
  window: "service_window_open",
  templateExists: "template_exists",
  templateApproved: "template_approved",
  templateVariables: "template_variables_match",
  frequencyCap: "frequency_cap",
  marketingLimit: "meta_marketing_limit",
  policies: "business_policies", // when no policy applies; otherwise one check per policy: "policy:<id>"
} as const;

export const pass = (rule: string, detail: string): Outcome => ({ rule, status: "pass", detail });
export const skip = (rule: string, detail: string): Outcome => ({ rule, status: "skip", detail });
export const fail = (rule: string, detail: string, denial: Denial): Outcome => ({
  rule,
  status: "fail",
  detail,
  denial,
});

/** Shared "cannot evaluate" answers for rules that need the customer or the category. */
export function notEvaluable(ctx: RuleContext, rule: string): Outcome | null {
  if (!ctx.recipient.ok) return skip(rule, "not evaluated: the number is invalid");
  if (ctx.category === null) return skip(rule, "not evaluated: the message category is unknown (template not found)");
  return null;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
