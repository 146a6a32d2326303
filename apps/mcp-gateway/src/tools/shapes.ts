import type { Decision } from "@wa/compliance";
import type { ErrorExplanation, MetaError } from "@wa/meta";
import { explainMetaFailure } from "@wa/meta";
import { z } from "zod";
import { refuse, type Refusal } from "@wa/contract";

/** explain_error's output; also the `error` of get_delivery_status. */
export const explanationShape = {
  code: z.number().int().nullable().describe("Meta error code; null for network/timeout failures"),
  category: z
    .string()
    .describe("retry class, e.g. transient, rate_limit_pair, template_required, opted_out, permanent"),
  can_retry: z.boolean().describe("the same message may be sent again later unchanged"),
  retry_strategy: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("backoff"), delays_ms: z.array(z.number()) }),
    z.object({ kind: z.literal("after"), after_ms: z.number() }),
    z.object({ kind: z.literal("none") }),
  ]),
  title: z.string(),
  human_explanation: z.string(),
  suggested_action: z.string(),
};
export const explanation = z.object(explanationShape);

export function explanationOut(e: ErrorExplanation): z.input<typeof explanation> {
  return {
    code: e.code,
    category: e.category,
    can_retry: e.can_retry,
    retry_strategy: e.retry_strategy,
    title: e.title,
    human_explanation: e.human_explanation,
    suggested_action: e.suggested_action,
  };
}

/** A failed Meta call: Graph errors are META_API_ERROR with the explanation; no answer is UNAVAILABLE. */
export function metaRefusal(error: MetaError, what: string): Refusal {
  const e = explainMetaFailure(error);
  const code = error.kind === "graph" ? "META_API_ERROR" : "UNAVAILABLE";
  return refuse(code, `${what}: ${e.human_explanation}`, e.suggested_action, { meta_error: explanationOut(e) });
}

/** A dry-run compliance answer for one category (check_conversation, get_customer_context). */
export const eligibility = z.object({
  allowed: z.boolean(),
  reason_code: z.string().optional(),
  human_explanation: z.string(),
  suggested_action: z.string(),
});

export function eligibilityOf(d: Decision): z.input<typeof eligibility> {
  return {
    allowed: d.allowed,
    ...(d.allowed ? {} : { reason_code: d.reason_code }),
    human_explanation: d.human_explanation,
    suggested_action: d.suggested_action,
  };
}

export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
