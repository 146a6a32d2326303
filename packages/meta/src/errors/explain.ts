import type { MetaError } from "../result.js";
import { catalogEntry } from "./catalog.js";
import type { ErrorExplanation } from "./types.js";

export interface ErrorContext {
  details?: string | null; // error_data.details
  fbtraceId?: string | null;
}

/** Explains a Meta error code (number or numeric string). Unknown codes get a safe, non-retrying fallback. */
export function explainMetaError(code: number | string, context: ErrorContext | string = {}): ErrorExplanation {
  const ctx = typeof context === "string" ? { details: context } : context;
  const n = typeof code === "number" ? code : /^\s*-?\d+\s*$/.test(code) ? Number(code) : Number.NaN;
  const detailText = ctx.details ? ` Meta's details: "${ctx.details}".` : "";
  const entry = Number.isSafeInteger(n) ? catalogEntry(n) : undefined;
  if (entry) {
    return {
      code: n,
      category: entry.category,
      can_retry: entry.canRetry,
      retry_strategy: entry.retry,
      title: entry.title,
      human_explanation: `${entry.explanation}${detailText}`,
      suggested_action: entry.action,
    };
  }
  const trace = ctx.fbtraceId ? ` (fbtrace_id ${ctx.fbtraceId})` : "";
  return {
    code: Number.isSafeInteger(n) ? n : null,
    category: "permanent",
    can_retry: false,
    retry_strategy: { kind: "none" },
    title: "Unknown error",
    human_explanation:
      `Meta error code ${String(code).trim()} is unknown to this gateway, so it is not retried automatically.${detailText}` +
      ` Look it up on Meta's error-code page and quote the fbtrace_id${trace} to Meta support.`,
    suggested_action:
      "Check get_delivery_status for the full error; once the cause is understood and fixed, resend with retry_failed_messages.",
  };
}

/** Explains any client failure, including the synthetic network/timeout/invalid_response kinds. */
export function explainMetaFailure(error: MetaError): ErrorExplanation {
  if (error.kind === "graph" && error.code !== null) {
    return explainMetaError(error.code, { details: error.details, fbtraceId: error.fbtraceId });
  }
  const serverSide = error.kind !== "invalid_response" || (error.httpStatus ?? 0) >= 500;
  const what = {
    graph: "Meta answered with an error the gateway could not read.",
    network: "The gateway could not reach Meta (connection refused, reset or DNS failure).",
    timeout: "Meta did not answer in time; the message may or may not have been accepted.",
    invalid_response: `Meta answered with a body the gateway could not read (HTTP ${error.httpStatus ?? "?"}).`,
  }[error.kind];
  return {
    code: null,
    category: serverSide ? "transient" : "permanent",
    can_retry: serverSide,
    retry_strategy: serverSide ? { kind: "backoff", delays_ms: [1000, 5000] } : { kind: "none" },
    title: error.title,
    human_explanation: what,
    suggested_action: serverSide
      ? "Nothing to do now: the delivery worker retries automatically; if Meta stays unreachable, check the network and META_API_BASE_URL."
      : "Check get_delivery_status; if the message was not sent, resend it with retry_failed_messages.",
  };
}
