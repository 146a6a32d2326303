import { checkParts, type ButtonPart, type HeaderPart, type PartsCheck } from "../template-parts.js";
import type { TemplateFacts, TemplateLookup, Variables } from "../types.js";
import { type Denial, fail, type Outcome, pass, RULE_NAMES, type Rule, skip } from "./context.js";

const R = RULE_NAMES;
const label = (t: { name: string; locale: string }): string => `"${t.name}" (${t.locale})`;

/** The template the caller asked for, as rule 5 reads it. */
interface Wanted {
  readonly template_name?: string;
  readonly locale?: string; // default "en"
  readonly variables?: Variables; // omitted: not checked (nor are header and buttons)
  readonly header?: HeaderPart;
  readonly buttons?: readonly ButtonPart[];
}

const EMPTY_SHAPE = { header: null, buttons: [] } as const;

/** The send's header and buttons against the template's stored components. */
export function partsOf(t: TemplateFacts, req: Wanted): PartsCheck {
  const parts = { ...(req.header ? { header: req.header } : {}), ...(req.buttons ? { buttons: req.buttons } : {}) };
  return checkParts(t.shape ?? EMPTY_SHAPE, t.parameterFormat === "named", parts);
}

function exists(req: Wanted, lookup: TemplateLookup | undefined, category: string | null): Outcome {
  const name = req.template_name?.trim();
  const locale = req.locale ?? "en";
  if (!name) {
    return fail(R.templateExists, "no template_name given", {
      reason_code: "INVALID_ARGUMENT",
      human_explanation: 'message_type "template" needs a template_name.',
      suggested_action: "Pick an APPROVED template with list_templates and pass its name as template_name.",
    });
  }
  if (lookup?.found) return pass(R.templateExists, `template ${label(lookup.template)} exists; category ${category}`);
  const others = lookup?.locales.length ? ` It exists in: ${lookup.locales.join(", ")}.` : "";
  const waba = lookup?.wabaId;
  const inWaba = waba ? ` in WABA ${waba} (the sending number's)` : "";
  const elsewhere = lookup?.elsewhere?.length ? lookup.elsewhere : null;
  return fail(R.templateExists, `no template ${label({ name, locale })}${waba ? ` in WABA ${waba}` : ""}`, {
    reason_code: "TEMPLATE_NOT_FOUND",
    human_explanation: `No template named "${name}" exists for locale ${locale}${inWaba}.${others}${
      elsewhere ? ` Templates belong to their WABA: this one is WABA ${elsewhere.join(", ")}'s.` : ""
    }`,
    suggested_action: elsewhere
      ? `Send it from a number of WABA ${elsewhere.join(" or ")} (from), or use a template of WABA ${waba} (list_templates with this from).`
      : others
        ? "Call again with one of the locales that exist, or check the name with list_templates."
        : "Check the name with list_templates; if it was created recently, refresh it with sync_template_status.",
  });
}

function approved(t: TemplateFacts): Outcome {
  const status = t.status.toUpperCase();
  if (status === "APPROVED") return pass(R.templateApproved, `template ${label(t)} is APPROVED`);
  const why = t.rejectionReason ? ` (reason: ${t.rejectionReason})` : "";
  const by =
    status === "PAUSED" || status === "DISABLED" ? ` by Meta${t.quality ? ` (quality ${t.quality})` : ""}` : "";
  return fail(R.templateApproved, `template ${label(t)} is ${status}${why}`, {
    reason_code: "TEMPLATE_NOT_APPROVED",
    human_explanation: `Template ${label(t)} is ${status}${by}${why}, not APPROVED, so Meta would refuse it.`,
    suggested_action: NEXT_STEP[status] ?? NEXT_STEP.OTHER!,
    template_status: status,
  });
}

// Meta answers 132015 (paused) and 132016 (disabled) to a send of such a template: refused here instead.
const NEXT_STEP: Record<string, string> = {
  PENDING:
    "Wait for Meta's review (sync_template_status refreshes it) and use an APPROVED template from list_templates meanwhile.",
  PAUSED:
    "Meta paused it for low quality (recipients blocked or reported it); it comes back by itself after the pause (usually hours) or when the content is improved. Use another APPROVED template from list_templates meanwhile; sync_template_status refreshes its status.",
  DISABLED:
    "Meta disabled it permanently after repeated low quality; it cannot be sent again. Create a new template with create_template, or use another APPROVED template from list_templates.",
  OTHER: "Use an APPROVED template from list_templates; sync_template_status refreshes this one's status from Meta.",
};

const blank = (v: unknown): boolean => typeof v !== "string" || v.trim() === "";

/** Why the given variables do not fit the template's placeholders; null when they fit. */
function variablesMismatch(t: TemplateFacts, vars: Variables): string | null {
  if (t.parameterFormat === "named") {
    if (Array.isArray(vars))
      return `it uses named placeholders (${t.parameterNames.join(", ") || "none"}) but a list was given`;
    const given = Object.keys(vars).toSorted();
    const wanted = [...t.parameterNames].toSorted();
    const missing = wanted.filter((n) => !given.includes(n));
    const extra = given.filter((n) => !wanted.includes(n));
    if (missing.length || extra.length) {
      return [missing.length ? `missing ${missing.join(", ")}` : "", extra.length ? `unknown ${extra.join(", ")}` : ""]
        .filter(Boolean)
        .join("; ");
    }
    const empty = given.filter((n) => blank((vars as Record<string, string>)[n]));
    return empty.length ? `empty value for ${empty.join(", ")}` : null;
  }
  if (!Array.isArray(vars))
    return `it uses positional placeholders ({{1}}…{{${t.parameterCount}}}) but named values were given`;
  const list = vars as readonly string[];
  if (list.length !== t.parameterCount)
    return `it has ${t.parameterCount} placeholder(s) but ${list.length} value(s) were given`;
  const empty = list.flatMap((v, i) => (blank(v) ? [`{{${i + 1}}}`] : []));
  return empty.length ? `empty value for ${empty.join(", ")}` : null;
}

function howToFix(t: TemplateFacts): string {
  const body =
    t.parameterFormat === "named"
      ? `a record with ${t.parameterNames.join(", ") || "no keys"}`
      : `${t.parameterCount} value(s) in a list`;
  return `Pass variables as ${body}, and header/buttons exactly as the template's components expect (see list_templates).`;
}

function variables(req: Wanted, t: TemplateFacts): Outcome {
  const vars = req.variables;
  if (vars === undefined) return skip(R.templateVariables, "not checked: no variables given");
  const body = variablesMismatch(t, vars);
  const parts = body === null ? partsOf(t, req) : null;
  const problem = body !== null ? `body: ${body}` : parts && !parts.ok ? parts.problem : null;
  if (problem === null)
    return pass(R.templateVariables, `variables, header and buttons match the template's components`);
  return fail(R.templateVariables, problem, {
    reason_code: "TEMPLATE_VARIABLES_MISMATCH",
    human_explanation: `The parameters do not fit template ${label(t)}: ${problem}.`,
    suggested_action: howToFix(t),
  });
}

function checks(req: Wanted, lookup: TemplateLookup | undefined, category: string | null): Outcome[] {
  const found = exists(req, lookup, category);
  if (!lookup?.found) {
    const ne = "not evaluated: the template was not found";
    return [found, skip(R.templateApproved, ne), skip(R.templateVariables, ne)];
  }
  return [found, approved(lookup.template), variables(req, lookup.template)];
}

/** Rule 5: the template exists, is APPROVED, and the variables match its placeholders. */
export const templateRules: Rule = (ctx) => {
  if (!ctx.templateSend) {
    const na = "not applicable: no template in this request";
    return [skip(R.templateExists, na), skip(R.templateApproved, na), skip(R.templateVariables, na)];
  }
  return checks(ctx.request, ctx.facts.template, ctx.category);
};

/** Rule 5 alone, before any recipient is known (schedule_campaign): the first denial, or null. */
export function templateDenial(lookup: TemplateLookup, req: Wanted): Denial | null {
  const category = lookup.found ? lookup.template.category.toLowerCase() : null;
  return checks(req, lookup, category).find((o) => o.denial)?.denial ?? null;
}
