/** The keys of skipped_by_reason (issue 9: opted out, no opt-in, capped, quiet hours, excluded segment, invalid number). */
export type SkipReason =
  | "opted_out"
  | "no_opt_in"
  | "frequency_capped"
  | "quiet_hours"
  | "excluded_segment"
  | "invalid_number"
  | "policy_restriction"
  | "duplicate_request"
  | "other";

export const SKIP_REASONS: readonly SkipReason[] = [
  "opted_out", "no_opt_in", "frequency_capped", "quiet_hours", "excluded_segment", "invalid_number",
  "policy_restriction", "duplicate_request", "other",
];

/** A policy type as the compliance engine names it in its checks (time_restriction, segment_exclusion, …). */
export type PolicyKind = string | null | undefined;

/** Maps a send-path denial to its campaign skip reason. */
export function skipReasonFor(reasonCode: string, policyType?: PolicyKind): SkipReason {
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
    case "POLICY_RESTRICTION":
      if (policyType === "time_restriction") return "quiet_hours";
      if (policyType === "segment_exclusion") return "excluded_segment";
      return "policy_restriction";
    default:
      return "other";
  }
}

/** Codes that say the campaign itself cannot send (not this recipient): the fan-out stops and pauses. */
export const CAMPAIGN_LEVEL_CODES: readonly string[] = [
  "TEMPLATE_NOT_FOUND", "TEMPLATE_NOT_APPROVED", "TEMPLATE_VARIABLES_MISMATCH", "TEMPLATE_REQUIRED",
];

/** Adds two skipped_by_reason maps. */
export function addSkips(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
