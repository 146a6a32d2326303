import { z } from "zod";
import { recordCreatedTemplate, templateComponents, templateDesignProblems } from "@wa/compliance";
import { isRefusal, refuse } from "@wa/contract";
import { defineTool } from "./define-tool.js";
import { locale, templateName } from "./fields.js";
import { fromNumber, resolveFrom } from "./from-number.js";
import { TEMPLATE_CATEGORIES } from "./list-templates.js";
import { metaRefusal } from "./shapes.js";
import { buttonsDesign, headerDesign } from "./template-fields.js";

export const createTemplate = defineTool({
  name: "create_template",
  title: "Submit a new message template to Meta",
  description:
    "Submits a new template (body text with {{1}}, {{2}}… placeholders, or named ones like {{first_name}}; optional header, footer and buttons) to Meta for review. The gateway checks Meta's rules first and answers INVALID_ARGUMENT naming each problem: lowercase name, body ≤ 1024 chars, placeholders numbered from {{1}} without gaps, not adjacent and not at the start or end, one example per placeholder; header text ≤ 60 with at most one variable (with its example), media headers with a sample; footer ≤ 60; ≤ 10 buttons, ≤ 2 url, ≤ 1 phone_number, button text ≤ 25, quick replies grouped. AUTHENTICATION templates take Meta's fixed body (leave body_text out) and one otp (copy-code) button. The template is created in the WhatsApp Business Account of the number from (default: the default number), and only that WABA's numbers can send it. Review takes minutes to 24 h; the status arrives by webhook or via sync_template_status. Templates are needed to message people outside the 24 h window.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    name: templateName.describe("New template name: lowercase letters, digits, underscores, ≤ 512 chars."),
    category: z
      .enum(TEMPLATE_CATEGORIES)
      .describe(
        "MARKETING (promotions), UTILITY (about an existing order/account) or AUTHENTICATION (one-time codes).",
      ),
    language: locale.describe('Language code, e.g. "en", "en_US", "id".'),
    body_text: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe(
        "The message body, ≤ 1024 chars, with {{1}}.. or {{name}} placeholders. Required except for AUTHENTICATION (Meta fixes that body).",
      ),
    examples: z
      .union([z.array(z.string().min(1).max(1024)).max(100), z.record(z.string().max(64), z.string().min(1).max(1024))])
      .optional()
      .describe(
        'One example value per body placeholder: ["Ana", "A-1001"] for {{1}}, {{2}}; {"first_name": "Ana"} for named ones.',
      ),
    header: headerDesign.optional(),
    footer: z.string().max(200).optional().describe("Optional footer text, ≤ 60 chars, no variables."),
    buttons: buttonsDesign.optional(),
    from: fromNumber.optional(),
  },
  output: {
    template_name: z.string(),
    locale: z.string(),
    category: z.string(),
    status: z.string(),
    meta_id: z.string(),
    waba_id: z.string().describe("the WhatsApp Business Account it was created in: only its numbers send it"),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const design = {
      category: input.category,
      ...(input.body_text !== undefined ? { body_text: input.body_text } : {}),
      ...(input.examples !== undefined ? { examples: input.examples } : {}),
      ...(input.header ? { header: input.header } : {}),
      ...(input.footer !== undefined ? { footer: input.footer } : {}),
      ...(input.buttons ? { buttons: input.buttons } : {}),
    };
    const problems = templateDesignProblems(design);
    if (problems.length) {
      return refuse(
        "INVALID_ARGUMENT",
        `Meta would reject this template: ${problems.join("; ")}.`,
        "Fix the named parts and call create_template again.",
      );
    }
    const { submit, stored, bodyText } = templateComponents(design);
    const named = input.examples !== undefined && !Array.isArray(input.examples);
    const r = await deps.graph.of(from).meta.createTemplate({
      name: input.name,
      category: input.category,
      language: input.language,
      components: submit,
      ...(named ? { parameterFormat: "named" as const } : {}),
    });
    if (!r.ok) return metaRefusal(r.error, `Meta refused template ${input.name}`);
    const created = r.value;
    const status = created.status.toUpperCase();
    const category = (created.category ?? input.category).toUpperCase();
    // Meta has the template now; a database hiccup must not turn that into an error (sync repairs the copy).
    await recordCreatedTemplate(
      deps.db,
      {
        name: input.name,
        language: input.language,
        bodyText,
        metaId: created.id,
        category,
        status,
        components: stored,
        wabaId: from.wabaId,
      },
      new Date(deps.now()),
    ).catch((err: unknown) =>
      deps.log.warn({ err, template: input.name }, "create_template: stored at Meta, not in the templates table"),
    );
    deps.compliance.invalidateTemplate();
    return {
      template_name: input.name,
      locale: input.language,
      category,
      status,
      meta_id: created.id,
      waba_id: from.wabaId,
    };
  },
});
