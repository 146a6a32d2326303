export { isReasonCode, REASON_CODES } from "./reason-codes.js";
export type { ReasonCode } from "./reason-codes.js";
export { isRefusal, refuse } from "./refusal.js";
export type { Refusal, Result } from "./refusal.js";
export { isWaError, WaError } from "./wa-error.js";
