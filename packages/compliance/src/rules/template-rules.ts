import type { TemplateFacts, Variables } from "../types.js";
import { fail, type Outcome, pass, RULE_NAMES, type Rule, type RuleContext, skip } from "./context.js";

const R = RULE_NAMES;
const label = (t: { name: string; locale: string }): string => `"${t.name}" (${t.locale})`;

function exists(ctx: RuleContext): Outcome {
  const name = ctx.request.template_name?.trim();
  const locale = ctx.request.locale ?? "en";
  if (!name) {
    return fail(R.templateExists, "no template_name given", {
      reason_code: "INVALID_ARGUMENT",
      human_explanation: 'message_type "template" needs a template_name.',
      suggested_action: "Pick an APPROVED template with list_templates and pass its name as template_name.",
    });
  }
  const lookup = ctx.facts.template;
  if (lookup?.found) return pass(R.templateExists, `template ${label(lookup.template)} exists; category ${ctx.category}`);
  const others = lookup?.locales.length ? ` It exists in: ${lookup.locales.join(", ")}.` : "";
  return fail(R.templateExists, `no template ${label({ name, locale })}`, {
    reason_code: "TEMPLATE_NOT_FOUND",
    human_explanation: `No template named "${name}" exists for locale ${locale}.${others}`,
    suggested_action: others
      ? "Call again with one of the locales that exist, or check the name with list_templates."
      : "Check the name with list_templates; if it was created recently, refresh it with sync_template_status.",
  });
}

function approved(t: TemplateFacts): Outcome {
  const status = t.status.toUpperCase();
  if (status === "APPROVED") return pass(R.templateApproved, `template ${label(t)} is APPROVED`);
  const why = t.rejectionReason ? ` (reason: ${t.rejectionReason})` : "";
  return fail(R.templateApproved, `template ${label(t)} is ${status}${why}`, {
    reason_code: "TEMPLATE_NOT_APPROVED",
    human_explanation: `Template ${label(t)} is ${status}${why}, not APPROVED, so Meta would refuse it.`,
    suggested_action:
      status === "PENDING"
        ? "Wait for Meta's review (sync_template_status refreshes it) and use an APPROVED template from list_templates meanwhile."
        : "Use an APPROVED template from list_templates; sync_template_status refreshes this one's status from Meta.",
  });
}

const blank = (v: unknown): boolean => typeof v !== "string" || v.trim() === "";

/** Why the given variables do not fit the template's placeholders; null when they fit. */
export function variablesMismatch(t: TemplateFacts, vars: Variables): string | null {
  if (t.parameterFormat === "named") {
    if (Array.isArray(vars)) return `it uses named placeholders (${t.parameterNames.join(", ") || "none"}) but a list was given`;
    const given = Object.keys(vars).toSorted();
    const wanted = [...t.parameterNames].toSorted();
    const missing = wanted.filter((n) => !given.includes(n));
    const extra = given.filter((n) => !wanted.includes(n));
    if (missing.length || extra.length) {
      return [missing.length ? `missing ${missing.join(", ")}` : "", extra.length ? `unknown ${extra.join(", ")}` : ""].filter(Boolean).join("; ");
    }
    const empty = given.filter((n) => blank((vars as Record<string, string>)[n]));
    return empty.length ? `empty value for ${empty.join(", ")}` : null;
  }
  if (!Array.isArray(vars)) return `it uses positional placeholders ({{1}}…{{${t.parameterCount}}}) but named values were given`;
  const list = vars as readonly string[];
  if (list.length !== t.parameterCount) return `it has ${t.parameterCount} placeholder(s) but ${list.length} value(s) were given`;
  const empty = list.flatMap((v, i) => (blank(v) ? [`{{${i + 1}}}`] : []));
  return empty.length ? `empty value for ${empty.join(", ")}` : null;
}

function variables(ctx: RuleContext, t: TemplateFacts): Outcome {
  const vars = ctx.request.variables;
  if (vars === undefined) return skip(R.templateVariables, "not checked: no variables given");
  const problem = variablesMismatch(t, vars);
  if (problem === null) return pass(R.templateVariables, `variables match the template's ${t.parameterFormat} placeholders`);
  return fail(R.templateVariables, problem, {
    reason_code: "TEMPLATE_VARIABLES_MISMATCH",
    human_explanation: `The variables do not fit template ${label(t)}: ${problem}.`,
    suggested_action: `Call send_template again with ${t.parameterFormat === "named" ? `a record with ${t.parameterNames.join(", ")}` : `${t.parameterCount} value(s) in a list`} (see list_templates).`,
  });
}

/** Rule 5: the template exists, is APPROVED, and the variables match its placeholders. */
export const templateRules: Rule = (ctx) => {
  if (!ctx.templateSend) {
    const na = "not applicable: no template in this request";
    return [skip(R.templateExists, na), skip(R.templateApproved, na), skip(R.templateVariables, na)];
  }
  const found = exists(ctx);
  const lookup = ctx.facts.template;
  if (!lookup?.found) {
    const ne = "not evaluated: the template was not found";
    return [found, skip(R.templateApproved, ne), skip(R.templateVariables, ne)];
  }
  return [found, approved(lookup.template), variables(ctx, lookup.template)];
};
