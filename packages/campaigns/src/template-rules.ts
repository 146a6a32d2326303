import type { TemplateRow } from "@wa/db";
import { refuse, type Outcome } from "./types.js";

export type CampaignVariables = readonly string[] | Readonly<Record<string, string>>;

/** What a running campaign does about its template's current status. */
export type TemplateVerdict =
  | { readonly action: "send" }
  | { readonly action: "pause"; readonly reason: string }
  | { readonly action: "fail"; readonly reason: string };

// Statuses Meta may lift again (quality recovers, appeal): wait paused. Anything else cannot come back.
const PAUSABLE = new Set(["PAUSED", "DISABLED", "PENDING", "IN_APPEAL", "LIMIT_EXCEEDED", "FLAGGED"]);

export function templateVerdict(status: string | null): TemplateVerdict {
  if (status === null) return { action: "fail", reason: "template_not_found" };
  const s = status.toUpperCase();
  if (s === "APPROVED") return { action: "send" };
  if (PAUSABLE.has(s)) return { action: "pause", reason: `template_${s.toLowerCase()}` };
  return { action: "fail", reason: `template_${s.toLowerCase()}` };
}

type TemplateShape = Pick<TemplateRow, "name" | "locale" | "status" | "category" | "parameter_format" | "parameter_count" | "parameter_names">;

/** schedule_campaign's template rules: APPROVED, category matches the campaign type, variables match. */
export function checkCampaignTemplate(
  t: TemplateShape | undefined,
  wanted: { name: string; locale: string; type: "marketing" | "utility"; variables: CampaignVariables | undefined },
): Outcome<object> {
  if (!t) {
    return refuse("TEMPLATE_NOT_FOUND", `There is no template "${wanted.name}" in locale ${wanted.locale}.`,
      "Use list_templates to see the templates and locales that exist, or sync_template_status if it was just created.");
  }
  if (t.status.toUpperCase() !== "APPROVED") {
    return refuse("TEMPLATE_NOT_APPROVED", `Template "${t.name}" (${t.locale}) is ${t.status}, not APPROVED; Meta would not deliver it.`,
      "Pick an APPROVED template (list_templates), or wait for approval and check with sync_template_status.");
  }
  const category = t.category.toLowerCase();
  if (category !== wanted.type) {
    return refuse("INVALID_ARGUMENT", `Template "${t.name}" is a ${category} template, but the campaign type is ${wanted.type}.`,
      `Schedule it with type "${category}" if that is allowed, or choose a ${wanted.type} template.`);
  }
  const mismatch = variablesMismatch(t, wanted.variables);
  if (mismatch) {
    return refuse("TEMPLATE_VARIABLES_MISMATCH", `Template "${t.name}" ${mismatch}.`,
      "Pass variables that match the template's placeholders (list_templates shows body_text and parameter_count).");
  }
  return { ok: true };
}

function variablesMismatch(t: TemplateShape, vars: CampaignVariables | undefined): string | null {
  if (t.parameter_format === "named") {
    const want = [...t.parameter_names].toSorted();
    if (Array.isArray(vars)) return want.length === 0 && vars.length === 0 ? null : `expects named variables ${want.join(", ")}`;
    const got = Object.keys(vars ?? {}).toSorted();
    return want.join(",") === got.join(",") ? null : `expects named variables {${want.join(", ")}}, got {${got.join(", ")}}`;
  }
  if (vars !== undefined && !Array.isArray(vars)) {
    return Object.keys(vars).length === 0 && t.parameter_count === 0 ? null : `expects ${t.parameter_count} positional variables (a list)`;
  }
  const n = (vars as readonly string[] | undefined)?.length ?? 0;
  return n === t.parameter_count ? null : `expects ${t.parameter_count} variables ({{1}}…), got ${n}`;
}
