import type { Db, TemplateRow } from "@wa/db";
import type { TemplateInfo } from "@wa/meta";
import { bodyTextOf, placeholdersOf } from "./placeholders.js";

const CATEGORIES = new Set(["marketing", "utility", "authentication"]);

/** Meta's template → our templates row; null for a category we do not send (none today). */
function rowOf(t: TemplateInfo, at: Date) {
  const category = t.category.toLowerCase();
  if (!CATEGORIES.has(category)) return null;
  const body = bodyTextOf(t.components);
  const ph = placeholdersOf(body);
  const format = t.parameterFormat?.toLowerCase() === "named" ? "named" : t.parameterFormat ? "positional" : ph.format;
  return {
    name: t.name,
    locale: t.language,
    meta_id: t.id,
    category: category as TemplateRow["category"],
    status: t.status.toUpperCase(),
    parameter_format: format as TemplateRow["parameter_format"],
    components: JSON.stringify(t.components),
    body_text: body,
    parameter_count: ph.names.length,
    parameter_names: format === "named" ? ph.names : [],
    rejection_reason: t.rejectedReason && t.rejectedReason !== "NONE" ? t.rejectedReason : null,
    quality: t.qualityScore,
    synced_at: at,
  };
}

/** Upserts Meta's view of templates by (name, locale); returns how many rows were written. */
export async function upsertTemplates(db: Db, templates: readonly TemplateInfo[], at: Date): Promise<number> {
  let written = 0;
  for (const t of templates) {
    const row = rowOf(t, at);
    if (!row) continue;
    await db
      .insertInto("templates")
      .values(row)
      .onConflict((oc) => oc.columns(["name", "locale"]).doUpdateSet({ ...row, updated_at: at }))
      .execute();
    written += 1;
  }
  return written;
}
