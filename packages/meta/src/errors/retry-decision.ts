import type { MetaErrorKind } from "../result.js";
import { explainMetaError, explainMetaFailure } from "./explain.js";
import type { ErrorExplanation, RetryStrategy } from "./types.js";

export type RetryDecision =
  | { action: "retry"; delayMs: number } // counts as an attempt
  | { action: "wait"; delayMs: number } // rate limit: resend after the delay without spending an attempt
  | { action: "fail"; reason: string };

export interface RetryOptions {
  maxAttempts?: number; // real send attempts, default 3 (the delivery stream's max deliver)
  maxWaitMs?: number; // longer waits fail instead (the message keeps its explanation), default 15 min
  maxWaits?: number; // rate-limit waits before giving up, default 10
  jitter?: number; // ± fraction applied to every delay, default 0.2
  random?: () => number; // [0, 1), injectable for tests
}

/** A client failure, or a webhook error object (`{ code }`, no kind). */
export interface RetryInput {
  kind?: MetaErrorKind;
  code: number | null;
  httpStatus?: number | null;
  details?: string | null;
}

/** Rate limits keep waiting at the last delay; other back-offs end when their delays run out. */
function delayFor(strategy: RetryStrategy, attempt: number, capAtLast: boolean): number | null {
  if (strategy.kind === "after") return strategy.after_ms;
  if (strategy.kind === "none") return null;
  const i = capAtLast ? Math.min(attempt, strategy.delays_ms.length) : attempt;
  return strategy.delays_ms[i - 1] ?? null;
}

function explain(error: RetryInput): ErrorExplanation {
  if (error.code !== null) return explainMetaError(error.code, { details: error.details ?? null });
  return explainMetaFailure({
    kind: error.kind ?? "network",
    code: null,
    subcode: null,
    title: "",
    message: "",
    details: null,
    fbtraceId: null,
    httpStatus: error.httpStatus ?? null,
    type: null,
    isTransient: null,
  });
}

/**
 * What the worker does after a failed send. `attempt` is 1-based and counts every failure of this
 * message so far, this one included: it drives the back-off (pair limit: 1 s, 4 s, 16 s … = 4^X s).
 */
export function retryDecision(error: RetryInput, attempt: number, options: RetryOptions = {}): RetryDecision {
  const n = Math.max(1, Math.floor(attempt));
  const maxWaitMs = options.maxWaitMs ?? 15 * 60_000;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  const x = explain(error);
  const rateLimited = x.category.startsWith("rate_limit_");
  const label = x.code === null ? (error.kind ?? "network") : `code ${x.code}`;
  const base = delayFor(x.retry_strategy, n, rateLimited);
  if (base === null) {
    const why = x.retry_strategy.kind === "none" ? "is not retried automatically" : `is out of attempts (${n})`;
    return { action: "fail", reason: `${label} (${x.category}) ${why}` };
  }
  if (base > maxWaitMs)
    return {
      action: "fail",
      reason: `${label} needs a ${Math.round(base / 1000)} s wait, longer than the worker holds a message`,
    };
  const delayMs = Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
  if (rateLimited) {
    if (n > (options.maxWaits ?? 10))
      return { action: "fail", reason: `${label}: still rate limited after ${n - 1} waits` };
    return { action: "wait", delayMs };
  }
  if (n >= (options.maxAttempts ?? 3)) return { action: "fail", reason: `${label}: out of attempts (${n})` };
  return { action: "retry", delayMs };
}
