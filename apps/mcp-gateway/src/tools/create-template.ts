import { writeAudit } from "@wa/db";
import { z } from "zod";
import { bodyProblems, placeholdersOf } from "../templates/placeholders.js";
import { defineTool, deny } from "./define-tool.js";
import { locale, templateName } from "./fields.js";
import { TEMPLATE_CATEGORIES } from "./list-templates.js";
import { metaDenial } from "./shapes.js";

export const createTemplate = defineTool({
  name: "create_template",
  title: "Submit a new message template to Meta",
  description:
    "Submits a new template (body text with {{1}}, {{2}}… placeholders, or named ones like {{first_name}}) to Meta for review. The gateway checks Meta's rules first: lowercase name, body ≤ 1024 chars, placeholders numbered from {{1}} without gaps, not adjacent and not at the start or end, one example per placeholder. Review takes minutes to 24 h; the status arrives by webhook or via sync_template_status. Templates are needed to message people outside the 24 h window.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    name: templateName.describe("New template name: lowercase letters, digits, underscores, ≤ 512 chars."),
    category: z.enum(TEMPLATE_CATEGORIES).describe("MARKETING (promotions), UTILITY (about an existing order/account) or AUTHENTICATION (one-time codes)."),
    language: locale.describe('Language code, e.g. "en", "en_US", "id".'),
    body_text: z.string().min(1).max(1024).describe("The message body, ≤ 1024 chars, with {{1}}.. or {{name}} placeholders."),
    examples: z
      .union([z.array(z.string().min(1).max(1024)).max(100), z.record(z.string().max(64), z.string().min(1).max(1024))])
      .optional()
      .describe('One example value per placeholder: ["Ana", "A-1001"] for {{1}}, {{2}}; {"first_name": "Ana"} for named ones.'),
  },
  output: {
    template_name: z.string(),
    locale: z.string(),
    category: z.string(),
    status: z.string(),
    meta_id: z.string(),
  },
  run: async (input, deps) => {
    const problems = bodyProblems(input.body_text, input.examples);
    if (problems.length) {
      return deny(
        "INVALID_ARGUMENT",
        `Meta would reject this template: ${problems.join("; ")}.`,
        "Fix the body or the examples and call create_template again.",
      );
    }
    const ph = placeholdersOf(input.body_text);
    const r = await deps.meta.createTemplate({
      name: input.name,
      category: input.category,
      language: input.language,
      bodyText: input.body_text,
      examples: input.examples,
      parameterFormat: ph.names.length ? ph.format : undefined,
    });
    if (!r.ok) return metaDenial(r.error, `Meta refused template ${input.name}`);
    const created = r.value;
    const status = created.status.toUpperCase();
    const category = (created.category ?? input.category).toUpperCase();
    const at = new Date(deps.now());
    const row = {
      name: input.name,
      locale: input.language,
      meta_id: created.id,
      category: category.toLowerCase() as "marketing" | "utility" | "authentication",
      status,
      parameter_format: ph.format,
      components: JSON.stringify([{ type: "BODY", text: input.body_text }]),
      body_text: input.body_text,
      parameter_count: ph.names.length,
      parameter_names: ph.format === "named" ? ph.names : [],
      synced_at: at,
    };
    // Meta has the template now; a database hiccup must not turn that into an error (sync repairs the copy).
    await deps.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("templates").values(row)
          .onConflict((oc) => oc.columns(["name", "locale"]).doUpdateSet({ ...row, rejection_reason: null, updated_at: at }))
          .execute();
        await writeAudit(trx, {
          actor: "agent",
          action: "template.created",
          subjectType: "template",
          subjectId: `${input.name}:${input.language}`,
          details: { meta_id: created.id, category, status },
        });
      })
      .catch((err: unknown) => deps.log.warn({ err, template: input.name }, "create_template: stored at Meta, not in the templates table"));
    deps.compliance.invalidateTemplate(input.name, input.language);
    return { template_name: input.name, locale: input.language, category, status, meta_id: created.id };
  },
});
