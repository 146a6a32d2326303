import type { Decision } from "@wa/compliance";
import type { ReasonCode } from "@wa/observability";
import type { Refused } from "./types.js";

export function refuse(reason_code: ReasonCode, human_explanation: string, suggested_action: string): Refused {
  return { ok: false, reason_code, human_explanation, suggested_action };
}

/** A compliance denial as a refusal; reply_customer may rename TEMPLATE_REQUIRED to WINDOW_CLOSED. */
export function fromDecision(d: Decision, windowClosedCode: "WINDOW_CLOSED" | "TEMPLATE_REQUIRED" = "TEMPLATE_REQUIRED"): Refused {
  const code: ReasonCode = d.reason_code === "TEMPLATE_REQUIRED" ? windowClosedCode : (d.reason_code ?? "INVALID_ARGUMENT");
  return {
    ok: false,
    reason_code: code,
    human_explanation: d.human_explanation,
    suggested_action: d.suggested_action,
    decision: d,
    ...(d.resets_at ? { resets_at: d.resets_at } : {}),
    ...(d.opens_at ? { opens_at: d.opens_at } : {}),
    ...(d.policy_id ? { policy_id: d.policy_id } : {}),
  };
}
