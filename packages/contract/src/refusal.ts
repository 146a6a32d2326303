import type { ReasonCode } from "./reason-codes.js";

/** One compliance check as a refusal reports it (the rule that denied has `passed: false`). */
interface RefusalCheck {
  readonly rule: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** What a caller may act on beyond the code; the well-known keys are typed, tools may add their own. */
export interface RefusalDetails {
  readonly resets_at?: string; // FREQUENCY_CAP_EXCEEDED: when a slot frees; MARKETING_LIMITED: when it ends (RFC 3339)
  readonly opens_at?: string; // quiet hours: when sending reopens (RFC 3339)
  readonly policy_id?: string; // POLICY_RESTRICTION: the policy that denied
  readonly checks?: readonly RefusalCheck[]; // the compliance checks, in rule order
  readonly [key: string]: unknown;
}

/**
 * An expected refusal: a value, never thrown. This is the wire shape of every `isError: true` tool result
 * (tools.md), and the one shape every layer returns for "no, and here is why and what to do instead".
 */
export interface Refusal {
  readonly ok: false;
  readonly reason_code: ReasonCode;
  readonly human_explanation: string;
  readonly suggested_action: string;
  readonly details?: RefusalDetails;
}

/** Success carries its own fields next to `ok: true`; failure is a Refusal. */
export type Result<T> = ({ readonly ok: true } & T) | Refusal;

/** Builds a Refusal; `details` is left out when it has no key, so answers stay small. */
export function refuse(
  reason_code: ReasonCode,
  human_explanation: string,
  suggested_action: string,
  details?: RefusalDetails,
): Refusal {
  return details && Object.keys(details).length > 0
    ? { ok: false, reason_code, human_explanation, suggested_action, details }
    : { ok: false, reason_code, human_explanation, suggested_action };
}

export function isRefusal(value: unknown): value is Refusal {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { ok?: unknown }).ok === false &&
    typeof (value as { reason_code?: unknown }).reason_code === "string"
  );
}
