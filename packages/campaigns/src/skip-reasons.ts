import { US_MARKETING_PAUSE_POLICY } from "@wa/compliance";

/**
 * The keys of skipped_by_reason (issue 9: opted out, no opt-in, capped, quiet hours, excluded segment, invalid
 * number; issue 20: Meta's US marketing pause and its per-user marketing limit).
 */
export type SkipReason =
  | "opted_out"
  | "no_opt_in"
  | "frequency_capped"
  | "quiet_hours"
  | "excluded_segment"
  | "invalid_number"
  | "policy_restriction"
  | "us_marketing_pause"
  | "marketing_limited"
  | "duplicate_request"
  | "other";

/** What a refusal's details say about the policy that denied. */
export interface PolicyHint {
  readonly opens_at?: string | undefined; // only time restrictions reopen
  readonly policy_id?: string | undefined;
}

/** Maps a send-path denial to its campaign skip reason. */
export function skipReasonFor(reasonCode: string, policy?: PolicyHint): SkipReason {
  switch (reasonCode) {
    case "USER_OPTED_OUT":
      return "opted_out";
    case "NO_OPT_IN":
      return "no_opt_in";
    case "FREQUENCY_CAP_EXCEEDED":
      return "frequency_capped";
    case "INVALID_PHONE_NUMBER":
      return "invalid_number";
    case "DUPLICATE_REQUEST":
      return "duplicate_request";
    case "MARKETING_LIMITED":
      return "marketing_limited";
    case "POLICY_RESTRICTION":
      if (policy?.policy_id === US_MARKETING_PAUSE_POLICY) return "us_marketing_pause";
      if (policy?.opens_at) return "quiet_hours";
      if (policy?.policy_id) return "excluded_segment";
      return "policy_restriction";
    default:
      return "other";
  }
}

/** Codes that say the campaign itself cannot send (not this recipient): the fan-out stops and pauses. */
export const CAMPAIGN_LEVEL_CODES: readonly string[] = [
  "TEMPLATE_NOT_FOUND",
  "TEMPLATE_NOT_APPROVED",
  "TEMPLATE_VARIABLES_MISMATCH",
  "TEMPLATE_REQUIRED",
];

/** Adds two skipped_by_reason maps. */
export function addSkips(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
