import { refuse, type Result } from "@wa/contract";
import { templateDenial, type ButtonPart, type HeaderPart, type TemplateLookup, type Variables } from "@wa/compliance";

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

/** schedule_campaign's template rules: compliance rule 5 (exists, APPROVED, variables, header and buttons), and the category matches the campaign type. */
export function checkCampaignTemplate(
  lookup: TemplateLookup,
  wanted: {
    name: string;
    locale: string;
    type: "marketing" | "utility";
    variables: Variables | undefined;
    header?: HeaderPart;
    buttons?: readonly ButtonPart[];
  },
): Result<object> {
  // A campaign sends its variables as given; none means none (not "unchecked" as in check_compliance).
  const none = lookup.found && lookup.template.parameterFormat === "named" ? {} : [];
  const denial = templateDenial(lookup, {
    template_name: wanted.name,
    locale: wanted.locale,
    variables: wanted.variables ?? none,
    ...(wanted.header ? { header: wanted.header } : {}),
    ...(wanted.buttons ? { buttons: wanted.buttons } : {}),
  });
  if (denial) return refuse(denial.reason_code, denial.human_explanation, denial.suggested_action);
  const category = lookup.found ? lookup.template.category.toLowerCase() : wanted.type;
  if (category !== wanted.type) {
    return refuse(
      "INVALID_ARGUMENT",
      `Template "${wanted.name}" is a ${category} template, but the campaign type is ${wanted.type}.`,
      `Schedule it with type "${category}" if that is allowed, or choose a ${wanted.type} template.`,
    );
  }
  return { ok: true };
}
