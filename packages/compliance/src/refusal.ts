import { type ReasonCode, type Refusal, refuse } from "@wa/contract";
import type { Denied } from "./types.js";

/**
 * A denial as the wire refusal: the checks (rule order) and the timing hints go in `details`.
 * `code` lets reply_customer say WINDOW_CLOSED where the engine says TEMPLATE_REQUIRED.
 */
export function refusalOf(d: Denied, code: ReasonCode = d.reason_code): Refusal {
  return refuse(code, d.human_explanation, d.suggested_action, {
    ...(d.resets_at ? { resets_at: d.resets_at } : {}),
    ...(d.opens_at ? { opens_at: d.opens_at } : {}),
    ...(d.policy_id ? { policy_id: d.policy_id } : {}),
    ...(d.template_status ? { template_status: d.template_status } : {}),
    checks: d.checks.map((c) => ({ rule: c.rule, passed: c.passed, detail: c.detail })),
  });
}
