import { type Database, type TemplateRow, writeAudit } from "@wa/db";
import type { TemplateInfo } from "@wa/meta";
import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import { bodyTextOf, placeholdersOf } from "./placeholders.js";

// Every write of the templates table is here: Meta's view (the syncs), a template this gateway just created,
// and Meta's template webhooks (status, category, quality). The rules read the same rows (loadTemplate).

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
    previous_category: t.previousCategory?.toLowerCase() ?? null,
    synced_at: at,
  };
}

/**
 * Upserts Meta's view of one WABA's templates by (waba_id, name, locale); returns how many rows were written.
 * `wabaId` omitted: the default number's WABA (the column's default).
 */
export async function upsertTemplates(
  db: Kysely<Database>,
  templates: readonly TemplateInfo[],
  at: Date,
  wabaId?: string,
): Promise<number> {
  let written = 0;
  for (const t of templates) {
    const meta = rowOf(t, at);
    if (!meta) continue;
    const row = { ...meta, waba_id: wabaId ?? sql<string>`templates_default_waba_id()` };
    await db
      .insertInto("templates")
      .values(row)
      .onConflict((oc) => oc.columns(["waba_id", "name", "locale"]).doUpdateSet({ ...meta, updated_at: at }))
      .execute();
    written += 1;
  }
  return written;
}

/** A template create_template just submitted, with its audit entry; `category` and `status` as Meta answered. */
export async function recordCreatedTemplate(
  db: Kysely<Database>,
  t: {
    name: string;
    language: string;
    bodyText: string;
    metaId: string;
    category: string;
    status: string;
    components?: readonly unknown[]; // header/footer/buttons as submitted; default: the body alone
    wabaId?: string; // the WABA it was created in; omitted: the default number's
  },
  at: Date,
): Promise<void> {
  const ph = placeholdersOf(t.bodyText);
  const waba_id = t.wabaId ?? sql<string>`templates_default_waba_id()`;
  const row = {
    name: t.name,
    locale: t.language,
    meta_id: t.metaId,
    category: t.category.toLowerCase() as TemplateRow["category"],
    status: t.status,
    parameter_format: ph.format,
    components: JSON.stringify(t.components ?? [{ type: "BODY", text: t.bodyText }]),
    body_text: t.bodyText,
    parameter_count: ph.names.length,
    parameter_names: ph.format === "named" ? ph.names : [],
    synced_at: at,
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("templates")
      .values({ ...row, waba_id })
      .onConflict((oc) =>
        oc.columns(["waba_id", "name", "locale"]).doUpdateSet({ ...row, rejection_reason: null, updated_at: at }),
      )
      .execute();
    await writeAudit(trx, {
      actor: "agent",
      action: "template.created",
      subjectType: "template",
      subjectId: `${t.name}:${t.language}`,
      details: {
        meta_id: t.metaId,
        category: t.category,
        status: t.status,
        ...(t.wabaId ? { waba_id: t.wabaId } : {}),
      },
    });
  });
}

/**
 * Which template a webhook event is about: Meta's id (global: it names one WABA's template), and (name, locale)
 * when the event carries them, with the WABA the event came from (entry.id) to match a row not yet given its id.
 */
export interface TemplateRef {
  readonly templateId: string;
  readonly templateName?: string | null;
  readonly language?: string | null;
  readonly wabaId?: string; // omitted: (name, locale) of any WABA
}

/** The row (name, locale) of the event's WABA names; one not yet given a WABA (before the accounts sync) too. */
const byName = (ref: TemplateRef) => (eb: ExpressionBuilder<Database, "templates">) =>
  eb.and([
    eb("name", "=", ref.templateName!),
    eb("locale", "=", ref.language!),
    ...(ref.wabaId ? [eb.or([eb("waba_id", "=", ref.wabaId), eb("waba_id", "is", null)])] : []),
  ]);

/** Updates the template row found by Meta id, else by (name, locale) in its WABA; the Meta id is filled in when missing. */
export async function updateTemplate(
  tx: Kysely<Database>,
  ref: TemplateRef,
  set: Record<string, unknown>,
  now: number,
): Promise<boolean> {
  const r = await tx
    .updateTable("templates")
    .set({ ...set, meta_id: sql`COALESCE(meta_id, ${ref.templateId})`, updated_at: new Date(now) })
    .where((eb) => {
      const byId = eb("meta_id", "=", ref.templateId);
      if (!ref.templateName || !ref.language) return byId;
      return eb.or([byId, eb.and([eb("meta_id", "is", null), byName(ref)(eb)])]);
    })
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** True when the row on record (last event or sync) is newer than `at`: an out-of-order event is stale. Locks the row. */
export async function templateNewerThan(tx: Kysely<Database>, ref: TemplateRef, at: Date): Promise<boolean> {
  const row = await tx
    .selectFrom("templates")
    .select("synced_at")
    .where((eb) =>
      ref.templateName && ref.language
        ? eb.or([eb("meta_id", "=", ref.templateId), byName(ref)(eb)])
        : eb("meta_id", "=", ref.templateId),
    )
    .forUpdate()
    .executeTakeFirst();
  return row?.synced_at != null && row.synced_at.getTime() > at.getTime();
}
