import type { ConsentFact } from "../types.js";
import { fail, iso, notEvaluable, pass, RULE_NAMES, type Rule, type RuleContext, skip } from "./context.js";

const UNKNOWN: ConsentFact = { status: "unknown", source: null, at: null };

function describe(c: ConsentFact): string {
  const bits = [c.source ? `source ${c.source}` : null, c.at !== null ? iso(c.at) : null].filter(Boolean);
  return bits.length ? `${c.status} (${bits.join(", ")})` : c.status;
}

/** Authentication has no consent of its own: a customer who revoked utility messages gets no codes either. */
function consentFor(ctx: RuleContext, category: "marketing" | "utility"): ConsentFact {
  return ctx.facts.customer?.consent[category] ?? UNKNOWN;
}

/** Rule 2: no messages of a category the customer revoked (authentication included, via utility). */
export const notRevokedRule: Rule = (ctx) => {
  const rule = RULE_NAMES.notRevoked;
  const blocked = notEvaluable(ctx, rule);
  if (blocked) return blocked;
  if (ctx.category === "service")
    return skip(rule, "not applicable: service replies answer the customer's own message");
  const kind = ctx.category === "marketing" ? "marketing" : "utility";
  const consent = consentFor(ctx, kind);
  if (consent.status !== "revoked") return pass(rule, `${kind} consent is ${describe(consent)}`);
  const what = ctx.category === "authentication" ? "utility and authentication" : kind;
  return fail(rule, `${kind} consent is ${describe(consent)}`, {
    reason_code: "USER_OPTED_OUT",
    human_explanation: `The customer opted out of ${what} messages${consent.source ? ` (${consent.source}${consent.at !== null ? `, ${iso(consent.at)}` : ""})` : ""}, so this message must not be sent.`,
    suggested_action:
      "Do not message them for this purpose. Only if they opt in again (e.g. they send START) record it with update_consent.",
  });
};

/** Rule 3: marketing needs granted consent (explicit mode) or at least not revoked (implicit mode). */
export const optInRule: Rule = (ctx) => {
  const rule = RULE_NAMES.optIn;
  const blocked = notEvaluable(ctx, rule);
  if (blocked) return blocked;
  if (ctx.category === "authentication") return skip(rule, "exempt: authentication codes must arrive");
  if (ctx.category !== "marketing")
    return skip(rule, `not applicable: ${ctx.category} messages need no marketing opt-in`);
  const consent = consentFor(ctx, "marketing");
  if (consent.status === "granted") return pass(rule, `marketing consent is ${describe(consent)}`);
  if (consent.status === "unknown" && ctx.options.consentMode === "implicit") {
    return pass(rule, "marketing consent is unknown, which counts as granted (CONSENT_MODE=implicit)");
  }
  return fail(rule, `marketing consent is ${describe(consent)} (CONSENT_MODE=${ctx.options.consentMode})`, {
    reason_code: "NO_OPT_IN",
    human_explanation: "There is no recorded marketing opt-in for this customer, and marketing messages need one.",
    suggested_action:
      "Record the customer's opt-in with update_consent (marketing: granted) once they have given it; until then send no marketing.",
  });
};
