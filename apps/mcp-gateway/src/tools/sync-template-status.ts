import { writeAudit } from "@wa/db";
import type { TemplateInfo } from "@wa/meta";
import { z } from "zod";
import { upsertTemplates } from "@wa/compliance";
import { isRefusal, refuse } from "@wa/contract";
import { defineTool } from "./define-tool.js";
import { locale, templateName } from "./fields.js";
import { fromNumber, resolveFrom } from "./from-number.js";
import { metaRefusal } from "./shapes.js";

const NEXT_STEP: Record<string, string> = {
  APPROVED: "Ready: send it with send_template or use it in schedule_campaign.",
  PENDING: "Meta is still reviewing it (minutes, up to 24 h); call sync_template_status again later.",
  IN_APPEAL: "An appeal is under review; call sync_template_status again later.",
  REJECTED: "Fix what the reason names and submit a corrected version with create_template under a new name.",
  PAUSED:
    "Meta paused it for low quality (recipients blocked or reported it); improve the content or wait for Meta to unpause it.",
  DISABLED: "Meta disabled it after repeated low quality; create a new template with create_template.",
  FLAGGED: "Its quality is low; it may be paused soon. Review the content and how often it is sent.",
};

export const syncTemplateStatus = defineTool({
  name: "sync_template_status",
  title: "Refresh one template's status from Meta",
  description:
    "Asks Meta now for a template's review status (APPROVED, PENDING, REJECTED, PAUSED, …) and category, updates the gateway's copy, and says what to do next. Templates belong to a WhatsApp Business Account: the one asked is the WABA of the business number from (default: the default number). Use it after create_template or when send_template answers TEMPLATE_NOT_APPROVED.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: {
    template_name: templateName,
    locale: locale
      .optional()
      .describe('Language code; default: "en" when the template has it, else its only or first language.'),
    from: fromNumber.optional(),
  },
  output: {
    template_name: z.string(),
    locale: z.string(),
    status: z.string(),
    category: z.string(),
    reason: z.string().optional().describe("Meta's rejection or pause reason"),
    suggested_action: z.string().optional(),
    waba_id: z.string().describe("the WhatsApp Business Account the template belongs to (the number's)"),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const waba = from.wabaId;
    const r = await deps.graph.of(from).meta.listAllTemplates({ name: input.template_name }); // the WABA's token
    if (!r.ok) return metaRefusal(r.error, `Meta did not return template ${input.template_name}`);
    const variants = r.value.filter((t) => t.name === input.template_name);
    const chosen = pick(variants, input.locale);
    if (!chosen) {
      const langs = variants.map((t) => t.language).join(", ");
      return refuse(
        "TEMPLATE_NOT_FOUND",
        variants.length
          ? `Template ${input.template_name} has no "${input.locale}" version at Meta (it has: ${langs}).`
          : `Meta has no template named ${input.template_name} in WABA ${waba} (the WhatsApp Business Account of number ${from.displayPhoneNumber ?? from.phoneNumberId}).`,
        "Check the name with list_templates, or create it with create_template.",
      );
    }
    const before = await deps.db
      .selectFrom("templates")
      .select("status")
      .where("name", "=", chosen.name)
      .where("locale", "=", chosen.language)
      .where("waba_id", "=", waba)
      .executeTakeFirst();
    const at = new Date(deps.now());
    await deps.db.transaction().execute(async (trx) => {
      await upsertTemplates(trx, variants, at, waba);
      if (before?.status !== chosen.status.toUpperCase()) {
        await writeAudit(trx, {
          actor: deps.actor,
          action: "template.status_synced",
          subjectType: "template",
          subjectId: `${chosen.name}:${chosen.language}`,
          details: { from: before?.status ?? null, to: chosen.status.toUpperCase(), meta_id: chosen.id, waba_id: waba },
        });
      }
    });
    deps.compliance.invalidateTemplate(); // send paths see the new status at once
    const status = chosen.status.toUpperCase();
    const reason = chosen.rejectedReason && chosen.rejectedReason !== "NONE" ? chosen.rejectedReason : undefined;
    const next = NEXT_STEP[status];
    return {
      template_name: chosen.name,
      locale: chosen.language,
      status,
      category: chosen.category.toUpperCase(),
      ...(reason ? { reason } : {}),
      ...(next ? { suggested_action: next } : {}),
      waba_id: waba,
    };
  },
});

function pick(variants: TemplateInfo[], wanted: string | undefined): TemplateInfo | undefined {
  if (wanted) return variants.find((t) => t.language.toLowerCase() === wanted.toLowerCase());
  return variants.find((t) => t.language === "en") ?? variants[0];
}
