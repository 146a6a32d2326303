/** Our retry classes; the letters of meta-api.md §9 map onto these (RL is split by scope). */
export type ErrorCategory =
  | "transient"
  | "rate_limit_number"
  | "rate_limit_pair"
  | "rate_limit_waba"
  | "template_required"
  | "wait_24h"
  | "opted_out"
  | "user_action"
  | "account"
  | "auth"
  | "permanent";

export type RetryStrategy =
  | { kind: "backoff"; delays_ms: number[] } // retry automatically after each delay in turn
  | { kind: "after"; after_ms: number } // retry once this much time has passed
  | { kind: "none" }; // never automatically

/** The explain_error tool's output (wire shape, snake_case). */
export interface ErrorExplanation {
  code: number | null; // null only for network/timeout/invalid_response failures
  category: ErrorCategory;
  can_retry: boolean; // the same message may be sent again later unchanged (by the worker or retry_failed_messages)
  retry_strategy: RetryStrategy;
  title: string;
  human_explanation: string;
  suggested_action: string;
}

export interface CatalogEntry {
  code: number;
  category: ErrorCategory;
  title: string;
  explanation: string;
  action: string;
  canRetry: boolean;
  retry: RetryStrategy;
}
