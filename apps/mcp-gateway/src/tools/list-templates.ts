import { sql } from "kysely";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { limit, locale, offset } from "./fields.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";
import { isRefusal } from "@wa/contract";
import { isoOrNull } from "./shapes.js";

const TEMPLATE_STATUSES = [
  "APPROVED",
  "PENDING",
  "REJECTED",
  "PAUSED",
  "DISABLED",
  "IN_APPEAL",
  "FLAGGED",
  "REINSTATED",
  "PENDING_DELETION",
  "DELETED",
  "ARCHIVED",
  "UNARCHIVED",
  "LIMIT_EXCEEDED",
  "LOCKED",
] as const;
export const TEMPLATE_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const;

const item = z.object({
  name: z.string(),
  locale: z.string(),
  category: z.string(),
  status: z.string(),
  body_text: z.string().nullable(),
  parameter_count: z.number().int(),
  quality: z.string().nullable().describe("Meta's quality score: GREEN, YELLOW, RED or UNKNOWN (null: not rated yet)"),
  previous_category: z
    .string()
    .nullable()
    .describe("the category before Meta recategorized this template (null: never recategorized)"),
});

// A read: it answers from the templates table and never writes. The table is kept current by the gateway's
// start-up sync, the scheduler's periodic sync (TEMPLATE_SYNC_SECS), template webhooks, sync_template_status and sync_webhooks.
// Templates belong to a WABA (Meta's model): the list is the one of `from`'s WABA, the templates that number may send.
export const listTemplates = defineTool({
  name: "list_templates",
  title: "List message templates",
  description:
    "Lists the WhatsApp message templates of a business number's WhatsApp Business Account (from; default the default number): templates belong to a WABA and only its numbers can send them. The gateway's copy is synced from Meta at start, periodically and by template webhooks: name, locale, category (and previous_category when Meta recategorized it), status, quality (GREEN/YELLOW/RED), body text and how many variables it takes. Only APPROVED templates can be sent (PAUSED or DISABLED ones are refused); a RED one may soon be paused; pass their name to send_template or schedule_campaign. For a fresh status of one template call sync_template_status.",
  annotations: READ_ONLY,
  input: {
    status_filter: z.enum(TEMPLATE_STATUSES).optional().describe("Only templates with this status, e.g. APPROVED."),
    category_filter: z.enum(TEMPLATE_CATEGORIES).optional().describe("Only this category."),
    locale_filter: locale.optional().describe('Only this language code, e.g. "en".'),
    from: fromNumber.optional(),
    limit,
    offset,
  },
  output: {
    templates: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    synced_at: z.string().nullable().describe("when the newest template row was last synced from Meta (null: never)"),
    note: z.string().nullable(),
    waba_id: z.string().describe("the WhatsApp Business Account these templates belong to: the number's"),
    from: fromShape,
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    let q = deps.db.selectFrom("templates").where("waba_id", "=", from.wabaId);
    if (input.status_filter) q = q.where("status", "=", input.status_filter);
    if (input.category_filter)
      q = q.where("category", "=", input.category_filter.toLowerCase() as "marketing" | "utility" | "authentication");
    if (input.locale_filter) q = q.where(sql<string>`lower(locale)`, "=", input.locale_filter.toLowerCase());
    const [rows, counted, latest] = await Promise.all([
      q
        .select([
          "name",
          "locale",
          "category",
          "status",
          "body_text",
          "parameter_count",
          "quality",
          "previous_category",
        ])
        .orderBy("name")
        .orderBy("locale")
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<string>().as("total")).executeTakeFirstOrThrow(),
      deps.db
        .selectFrom("templates")
        .select((eb) => eb.fn.max("synced_at").as("synced_at"))
        .where("waba_id", "=", from.wabaId)
        .executeTakeFirst(),
    ]);
    const syncedAt = latest?.synced_at ? new Date(latest.synced_at) : null;
    return {
      templates: rows.map((r) => ({
        ...r,
        category: r.category.toUpperCase(),
        previous_category: r.previous_category?.toUpperCase() ?? null,
      })),
      total: Number(counted.total),
      limit: input.limit,
      offset: input.offset,
      synced_at: isoOrNull(syncedAt),
      note:
        syncedAt === null
          ? `No templates of WABA ${from.wabaId} have been synced from Meta yet. Call sync_webhooks to read them now.`
          : null,
      waba_id: from.wabaId,
      from: fromOut(from),
    };
  },
});
