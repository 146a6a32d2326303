import type { TemplateInfo } from "@wa/meta";
import { explainMetaFailure } from "@wa/meta";
import { z } from "zod";
import { bodyTextOf, placeholdersOf } from "../templates/placeholders.js";
import { upsertTemplates } from "../templates/template-rows.js";
import type { ToolDeps } from "../deps.js";
import { defineTool } from "./define-tool.js";
import { limit, locale, offset } from "./fields.js";

export const TEMPLATE_STATUSES = [
  "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "FLAGGED", "REINSTATED",
  "PENDING_DELETION", "DELETED", "ARCHIVED", "UNARCHIVED", "LIMIT_EXCEEDED", "LOCKED",
] as const;
export const TEMPLATE_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const;

const item = z.object({
  name: z.string(),
  locale: z.string(),
  category: z.string(),
  status: z.string(),
  body_text: z.string().nullable(),
  parameter_count: z.number().int(),
});
type Item = z.infer<typeof item>;

export const listTemplates = defineTool({
  name: "list_templates",
  title: "List message templates",
  description:
    "Lists the WhatsApp message templates of the business account, live from Meta (falls back to the last synced copy when Meta cannot be reached): name, locale, category, status, body text and how many variables it takes. Only APPROVED templates can be sent; pass their name to send_template or schedule_campaign.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: {
    status_filter: z.enum(TEMPLATE_STATUSES).optional().describe("Only templates with this status, e.g. APPROVED."),
    category_filter: z.enum(TEMPLATE_CATEGORIES).optional().describe("Only this category."),
    locale_filter: locale.optional().describe('Only this language code, e.g. "en".'),
    limit,
    offset,
  },
  output: {
    templates: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    source: z.enum(["meta", "cache"]).describe("meta = live; cache = the last synced copy (Meta unreachable)"),
    note: z.string().nullable(),
  },
  run: async (input, deps) => {
    const live = await deps.meta.listAllTemplates({ status: input.status_filter });
    let items: Item[];
    let note: string | null = null;
    if (live.ok) {
      await upsertTemplates(deps.db, live.value, new Date(deps.now())).then(() => deps.compliance.invalidateTemplate()).catch((err: unknown) =>
        deps.log.warn({ err }, "list_templates: could not refresh the templates table"),
      );
      items = live.value.map(fromMeta);
    } else {
      note = `Meta could not be asked (${explainMetaFailure(live.error).human_explanation}); showing the last synced copy.`;
      items = await fromCache(deps, input.status_filter);
    }
    const filtered = items
      .filter((t) => !input.status_filter || t.status === input.status_filter)
      .filter((t) => !input.category_filter || t.category === input.category_filter)
      .filter((t) => !input.locale_filter || t.locale.toLowerCase() === input.locale_filter.toLowerCase())
      .toSorted((a, b) => a.name.localeCompare(b.name) || a.locale.localeCompare(b.locale));
    return {
      templates: filtered.slice(input.offset, input.offset + input.limit),
      total: filtered.length,
      limit: input.limit,
      offset: input.offset,
      source: live.ok ? ("meta" as const) : ("cache" as const),
      note,
    };
  },
});

function fromMeta(t: TemplateInfo): Item {
  const body = bodyTextOf(t.components);
  return {
    name: t.name,
    locale: t.language,
    category: t.category.toUpperCase(),
    status: t.status.toUpperCase(),
    body_text: body,
    parameter_count: placeholdersOf(body).names.length,
  };
}

async function fromCache(deps: ToolDeps, status: string | undefined): Promise<Item[]> {
  let q = deps.db.selectFrom("templates").select(["name", "locale", "category", "status", "body_text", "parameter_count"]);
  if (status) q = q.where("status", "=", status);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, category: r.category.toUpperCase() }));
}
