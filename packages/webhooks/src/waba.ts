import { pauseCampaignsForTemplate } from "@wa/campaigns";
import { type Database, writeAudit } from "@wa/db";
import type {
  AccountUpdateEvent, PhoneQualityEvent, TemplateCategoryEvent, TemplateQualityEvent, TemplateStatusEvent,
} from "@wa/meta";
import { sql, type Kysely } from "kysely";

type TemplateEvent = TemplateStatusEvent | TemplateCategoryEvent | TemplateQualityEvent;
const CATEGORIES = new Set(["marketing", "utility", "authentication"]);
const PAUSING = new Set(["PAUSED", "DISABLED"]);

/** Updates the template row found by Meta id, else by (name, locale); the Meta id is filled in when missing. */
async function updateTemplate(tx: Kysely<Database>, ev: TemplateEvent, set: Record<string, unknown>, now: number): Promise<boolean> {
  const r = await tx
    .updateTable("templates")
    .set({ ...set, meta_id: sql`COALESCE(meta_id, ${ev.templateId})`, updated_at: new Date(now) })
    .where((eb) => {
      const byId = eb("meta_id", "=", ev.templateId);
      if (!ev.templateName || !ev.language) return byId;
      return eb.or([byId, eb.and([eb("meta_id", "is", null), eb("name", "=", ev.templateName), eb("locale", "=", ev.language)])]);
    })
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

async function templateNewerThan(tx: Kysely<Database>, ev: TemplateEvent, at: Date): Promise<boolean> {
  const row = await tx.selectFrom("templates").select("synced_at")
    .where((eb) => (ev.templateName && ev.language
      ? eb.or([eb("meta_id", "=", ev.templateId), eb.and([eb("name", "=", ev.templateName), eb("locale", "=", ev.language)])])
      : eb("meta_id", "=", ev.templateId)))
    .forUpdate().executeTakeFirst();
  return row?.synced_at != null && row.synced_at.getTime() > at.getTime();
}

export interface TemplateResult {
  readonly updated: boolean;
  readonly pausedCampaigns: readonly string[];
}

export async function applyTemplateStatus(tx: Kysely<Database>, ev: TemplateStatusEvent, now: number): Promise<TemplateResult> {
  const status = ev.event.toUpperCase();
  const at = new Date(ev.timestamp ?? now);
  // Status events can arrive out of order: one older than the state on record (last event or sync) is stale.
  const stale = await templateNewerThan(tx, ev, at);
  const set: Record<string, unknown> = { status, synced_at: at };
  if (status === "REJECTED") set.rejection_reason = ev.rejectionInfo?.reason ?? ev.reason ?? null;
  const updated = stale ? false : await updateTemplate(tx, ev, set, now);
  let pausedCampaigns: string[] = [];
  if (!stale && PAUSING.has(status) && ev.templateName) {
    // pauseCampaignsForTemplate opens its own transactions: on the scoped connection they are savepoints.
    pausedCampaigns = await pauseCampaignsForTemplate(
      { db: tx, now: () => now },
      { name: ev.templateName, ...(ev.language ? { locale: ev.language } : {}), status },
      { actor: "webhook" },
    );
  }
  await writeAudit(tx, {
    actor: "webhook", action: "template.status_updated", subjectType: "template", subjectId: ev.templateId,
    details: { name: ev.templateName, locale: ev.language, status, reason: ev.reason, paused_campaigns: pausedCampaigns, stale },
  });
  return { updated, pausedCampaigns };
}

export async function applyTemplateCategory(tx: Kysely<Database>, ev: TemplateCategoryEvent, now: number): Promise<TemplateResult> {
  const category = (ev.newCategory ?? "").toLowerCase();
  const updated = CATEGORIES.has(category) ? await updateTemplate(tx, ev, { category }, now) : false;
  await writeAudit(tx, {
    actor: "webhook", action: "template.category_updated", subjectType: "template", subjectId: ev.templateId,
    details: { name: ev.templateName, locale: ev.language, from: ev.previousCategory, to: ev.newCategory, correct: ev.correctCategory },
  });
  return { updated, pausedCampaigns: [] };
}

export async function applyTemplateQuality(tx: Kysely<Database>, ev: TemplateQualityEvent, now: number): Promise<TemplateResult> {
  const updated = await updateTemplate(tx, ev, { quality: ev.newQualityScore }, now);
  await writeAudit(tx, {
    actor: "webhook", action: "template.quality_updated", subjectType: "template", subjectId: ev.templateId,
    details: { name: ev.templateName, locale: ev.language, from: ev.previousQualityScore, to: ev.newQualityScore },
  });
  return { updated, pausedCampaigns: [] };
}

const digits = (s: string | null): string | null => (s ? s.replace(/\D/g, "") || null : null);

/** Number-level quality/limit changes: the tier (and 1,000 mps after THROUGHPUT_UPGRADE) on phone_numbers, plus audit. */
export async function applyPhoneQuality(tx: Kysely<Database>, ev: PhoneQualityEvent, now: number): Promise<boolean> {
  const display = digits(ev.displayPhoneNumber);
  const set: Record<string, unknown> = { updated_at: new Date(now) };
  if (ev.currentLimit) set.messaging_limit_tier = ev.currentLimit;
  if (ev.event.toUpperCase() === "THROUGHPUT_UPGRADE") set.throughput_mps = 1000;
  let updated = false;
  if (display || ev.phoneNumberId) {
    const r = await tx.updateTable("phone_numbers").set(set)
      .where((eb) => eb.or([
        ...(ev.phoneNumberId ? [eb("phone_number_id", "=", ev.phoneNumberId)] : []),
        ...(display ? [eb(sql`regexp_replace(display_phone_number, '\\D', '', 'g')`, "=", display)] : []),
      ]))
      .executeTakeFirst();
    updated = Number(r.numUpdatedRows) > 0;
  }
  await writeAudit(tx, {
    actor: "webhook", action: "phone_number.quality_update", subjectType: "phone_number", subjectId: display ?? ev.phoneNumberId ?? ev.wabaId,
    details: { event: ev.event, current_limit: ev.currentLimit, old_limit: ev.oldLimit, waba_id: ev.wabaId },
  });
  return updated;
}

/** WABA-level account updates (bans, restrictions, volume tiers…) have no table of their own: kept in audit_logs. */
export async function applyAccountUpdate(tx: Kysely<Database>, ev: AccountUpdateEvent): Promise<void> {
  await writeAudit(tx, {
    actor: "webhook", action: "account.update", subjectType: "waba", subjectId: ev.wabaId,
    details: { event: ev.event, phone_number: ev.phoneNumber, info: ev.info },
  });
}
