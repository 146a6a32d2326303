import { fail, pass, RULE_NAMES, type Rule } from "./context.js";

/** Rule 1: 8–15 digits after normalization (or a BSUID); authentication needs a real number. */
export const phoneRule: Rule = (ctx) => {
  const rule = RULE_NAMES.phone;
  const r = ctx.recipient;
  if (!r.ok) {
    return fail(rule, r.explanation, {
      reason_code: "INVALID_PHONE_NUMBER",
      human_explanation: r.explanation,
      suggested_action:
        "Ask for the number in international format (+ country code, e.g. +62 811 234 567) and call the tool again.",
    });
  }
  if (r.kind === "bsuid" && ctx.category === "authentication") {
    const why =
      "Meta does not deliver authentication templates to a business-scoped user id (error 131062); they need the phone number.";
    return fail(rule, why, {
      reason_code: "INVALID_PHONE_NUMBER",
      human_explanation: why,
      suggested_action: "Send the code with send_template to the customer's phone number instead.",
    });
  }
  return pass(
    rule,
    r.kind === "phone"
      ? `${r.id} is a valid number${r.country ? ` (${r.country})` : ""}`
      : `${r.id} is a business-scoped user id`,
  );
};
