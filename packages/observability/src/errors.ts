export const REASON_CODES = [
  "INVALID_ARGUMENT",
  "INVALID_PHONE_NUMBER",
  "NOT_FOUND",
  "TEMPLATE_REQUIRED",
  "WINDOW_CLOSED",
  "USER_OPTED_OUT",
  "NO_OPT_IN",
  "FREQUENCY_CAP_EXCEEDED",
  "POLICY_RESTRICTION",
  "TEMPLATE_NOT_FOUND",
  "TEMPLATE_NOT_APPROVED",
  "TEMPLATE_VARIABLES_MISMATCH",
  "CAMPAIGN_TERMINAL_STATE",
  "INVALID_STATE_TRANSITION",
  "CONVERSATION_ACTIVE",
  "DUPLICATE_REQUEST",
  "TOOL_DISABLED",
  "META_API_ERROR",
  "UNAVAILABLE",
] as const;

/** The reason codes of tools.md; refusals carry them as values, faults as WaError.code. */
export type ReasonCode = (typeof REASON_CODES)[number];

const REASON_CODE_SET: ReadonlySet<string> = new Set(REASON_CODES);

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === "string" && REASON_CODE_SET.has(value);
}

/** A fault that crosses layers (UNAVAILABLE, NOT_FOUND, META_API_ERROR…); adapters map `code` to the wire. */
export class WaError extends Error {
  readonly code: ReasonCode;

  constructor(code: ReasonCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WaError";
    this.code = code;
  }
}

export function isWaError(err: unknown): err is WaError {
  return err instanceof WaError;
}
