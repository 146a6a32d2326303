import { templateNewerThan, updateTemplate } from "@wa/compliance";
import { type Database, writeAudit } from "@wa/db";
import type {
  AccountUpdateEvent,
  PhoneQualityEvent,
  TemplateCategoryEvent,
  TemplateQualityEvent,
  TemplateStatusEvent,
} from "@wa/meta";
import { sql, type Kysely } from "kysely";
import type { Route } from "./routing.js";

const CATEGORIES = new Set(["marketing", "utility", "authentication"]);

export interface TemplateResult {
  readonly updated: boolean;
}

export async function applyTemplateStatus(
  tx: Kysely<Database>,
  ev: TemplateStatusEvent,
  now: number,
): Promise<TemplateResult> {
  const status = ev.event.toUpperCase();
  const at = new Date(ev.timestamp ?? now);
  // Status events can arrive out of order: one older than the state on record (last event or sync) is stale.
  const stale = await templateNewerThan(tx, ev, at);
  const set: Record<string, unknown> = { status, synced_at: at };
  if (status === "REJECTED") set.rejection_reason = ev.rejectionInfo?.reason ?? ev.reason ?? null;
  // PAUSED/DISABLED: the campaign worker's sweeper pauses the campaigns using it from this row.
  const updated = stale ? false : await updateTemplate(tx, ev, set, now);
  await writeAudit(tx, {
    actor: "webhook",
    action: "template.status_updated",
    subjectType: "template",
    subjectId: ev.templateId,
    details: { name: ev.templateName, locale: ev.language, status, reason: ev.reason, stale },
  });
  return { updated };
}

export async function applyTemplateCategory(
  tx: Kysely<Database>,
  ev: TemplateCategoryEvent,
  now: number,
): Promise<TemplateResult> {
  const category = (ev.newCategory ?? "").toLowerCase();
  const previous = ev.previousCategory?.toLowerCase() ?? null;
  // Compliance reads the new category at once (marketing caps, consent); list_templates shows where it came from.
  const updated = CATEGORIES.has(category)
    ? await updateTemplate(tx, ev, { category, ...(previous ? { previous_category: previous } : {}) }, now)
    : false;
  await writeAudit(tx, {
    actor: "webhook",
    action: "template.category_updated",
    subjectType: "template",
    subjectId: ev.templateId,
    details: {
      name: ev.templateName,
      locale: ev.language,
      from: ev.previousCategory,
      to: ev.newCategory,
      correct: ev.correctCategory,
    },
  });
  return { updated };
}

export async function applyTemplateQuality(
  tx: Kysely<Database>,
  ev: TemplateQualityEvent,
  now: number,
): Promise<TemplateResult> {
  const updated = await updateTemplate(tx, ev, { quality: ev.newQualityScore }, now);
  await writeAudit(tx, {
    actor: "webhook",
    action: "template.quality_updated",
    subjectType: "template",
    subjectId: ev.templateId,
    details: { name: ev.templateName, locale: ev.language, from: ev.previousQualityScore, to: ev.newQualityScore },
  });
  return { updated };
}

const digits = (s: string | null): string | null => (s ? s.replace(/\D/g, "") || null : null);

/** The portfolio's messaging limit (shared by all its numbers since October 2025): on its businesses row. */
async function setBusinessTier(tx: Kysely<Database>, route: Route, tier: string | null, now: number): Promise<boolean> {
  if (!tier || route.businessId === null) return false;
  const r = await tx
    .updateTable("businesses")
    .set({ messaging_limit_tier: tier, updated_at: new Date(now) })
    .where("business_id", "=", route.businessId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Number-level quality/limit changes: the tier (and 1,000 mps after THROUGHPUT_UPGRADE, which the delivery
 * limiter reads from the row) on the routed number's phone_numbers row only; the tier also on its business.
 * Without accounts (no route number) the row is found by id or display number, as before.
 */
export async function applyPhoneQuality(
  tx: Kysely<Database>,
  ev: PhoneQualityEvent,
  now: number,
  route: Route,
): Promise<boolean> {
  const display = digits(ev.displayPhoneNumber);
  const set: Record<string, unknown> = { updated_at: new Date(now) };
  if (ev.currentLimit) set.messaging_limit_tier = ev.currentLimit;
  if (ev.event.toUpperCase() === "THROUGHPUT_UPGRADE") set.throughput_mps = 1000;
  let updated = await setBusinessTier(tx, route, ev.currentLimit, now);
  if (route.number) {
    const r = await tx
      .updateTable("phone_numbers")
      .set(set)
      .where("phone_number_id", "=", route.number.phoneNumberId)
      .executeTakeFirst();
    updated = Number(r.numUpdatedRows) > 0 || updated;
  } else if (display || ev.phoneNumberId) {
    const r = await tx
      .updateTable("phone_numbers")
      .set(set)
      .where((eb) =>
        eb.or([
          ...(ev.phoneNumberId ? [eb("phone_number_id", "=", ev.phoneNumberId)] : []),
          ...(display ? [eb(sql`regexp_replace(display_phone_number, '\\D', '', 'g')`, "=", display)] : []),
        ]),
      )
      .executeTakeFirst();
    updated = Number(r.numUpdatedRows) > 0;
  }
  await writeAudit(tx, {
    actor: "webhook",
    action: "phone_number.quality_update",
    subjectType: "phone_number",
    subjectId: display ?? ev.phoneNumberId ?? ev.wabaId,
    details: {
      event: ev.event,
      current_limit: ev.currentLimit,
      old_limit: ev.oldLimit,
      waba_id: ev.wabaId,
      ...(route.number ? { phone_number_id: route.number.phoneNumberId, business_id: route.businessId } : {}),
    },
  });
  return updated;
}

/**
 * WABA-level account updates (bans, restrictions, volume tiers…) have no table of their own: kept in audit_logs.
 * One carrying a `current_limit` (assumed: Meta documents no shape for the portfolio's limit on this field) sets
 * the business's tier.
 */
export async function applyAccountUpdate(
  tx: Kysely<Database>,
  ev: AccountUpdateEvent,
  now: number,
  route: Route,
): Promise<void> {
  const limit = ev.info["current_limit"];
  await setBusinessTier(tx, route, typeof limit === "string" && limit ? limit : null, now);
  await writeAudit(tx, {
    actor: "webhook",
    action: "account.update",
    subjectType: "waba",
    subjectId: ev.wabaId,
    details: {
      event: ev.event,
      phone_number: ev.phoneNumber,
      info: ev.info,
      ...(route.businessId ? { business_id: route.businessId } : {}),
    },
  });
}
