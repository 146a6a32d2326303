/** The reason codes of tools.md: every refusal and every fault that reaches a caller carries one. */
export const REASON_CODES = [
  "INVALID_ARGUMENT",
  "INVALID_PHONE_NUMBER",
  "NOT_FOUND",
  "TEMPLATE_REQUIRED",
  "WINDOW_CLOSED",
  "USER_OPTED_OUT",
  "NO_OPT_IN",
  "FREQUENCY_CAP_EXCEEDED",
  "MARKETING_LIMITED",
  "POLICY_RESTRICTION",
  "TEMPLATE_NOT_FOUND",
  "TEMPLATE_NOT_APPROVED",
  "TEMPLATE_VARIABLES_MISMATCH",
  "CAMPAIGN_TERMINAL_STATE",
  "INVALID_STATE_TRANSITION",
  "CONVERSATION_ACTIVE",
  "DUPLICATE_REQUEST",
  "TOOL_DISABLED",
  "SCOPE_DENIED",
  "META_API_ERROR",
  "UNAVAILABLE",
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

const REASON_CODE_SET: ReadonlySet<string> = new Set(REASON_CODES);

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === "string" && REASON_CODE_SET.has(value);
}
