import type { Database } from "@wa/db";
import type { Kysely } from "kysely";
import { createPolicyCache } from "./policy-cache.js";
import type { Policy } from "./policy-schema.js";
import { shapeOf } from "./template-parts.js";
import { createTemplateWatch } from "./template-watch.js";
import { createTtlCache } from "./ttl-cache.js";
import type { TemplateLookup } from "./types.js";

const keyOf = (name: string, locale: string, wabaId?: string): string => `${wabaId ?? ""}\u0000${name}\u0000${locale}`;

/**
 * One template as the rules need it; a missing one answers with the locales that do exist. `wabaId`: the sending
 * number's WABA (Meta's templates belong to one); omitted, any WABA's (package callers that name no number).
 */
export async function loadTemplate(
  db: Kysely<Database>,
  name: string,
  locale: string,
  wabaId?: string,
): Promise<TemplateLookup> {
  let q = db
    .selectFrom("templates")
    .select([
      "name",
      "locale",
      "category",
      "status",
      "parameter_format",
      "parameter_count",
      "parameter_names",
      "rejection_reason",
      "quality",
      "components",
    ])
    .where("name", "=", name)
    .where("locale", "=", locale);
  if (wabaId !== undefined) q = q.where("waba_id", "=", wabaId);
  const row = await q.orderBy("waba_id").executeTakeFirst();
  if (!row) {
    const others = await db
      .selectFrom("templates")
      .select(["locale", "waba_id"])
      .where("name", "=", name)
      .orderBy("locale")
      .execute();
    const mine = others.filter((o) => wabaId === undefined || o.waba_id === wabaId);
    const elsewhere = others.filter((o) => o.locale === locale && o.waba_id !== null && o.waba_id !== wabaId);
    return {
      found: false,
      locales: [...new Set(mine.map((o) => o.locale))],
      ...(wabaId === undefined ? {} : { wabaId, elsewhere: [...new Set(elsewhere.map((o) => o.waba_id!))] }),
    };
  }
  return {
    found: true,
    template: {
      name: row.name,
      locale: row.locale,
      category: row.category,
      status: row.status,
      parameterFormat: row.parameter_format,
      parameterCount: row.parameter_count,
      parameterNames: row.parameter_names,
      rejectionReason: row.rejection_reason,
      quality: row.quality,
      shape: shapeOf(Array.isArray(row.components) ? row.components : []),
    },
  };
}

/** The WABA a business number belongs to (phone_numbers, written by the accounts sync); null if unknown. */
async function wabaOfNumber(db: Kysely<Database>, phoneNumberId: string): Promise<string | null> {
  const row = await db
    .selectFrom("phone_numbers")
    .select("waba_id")
    .where("phone_number_id", "=", phoneNumberId)
    .executeTakeFirst();
  return row?.waba_id ?? null;
}

export interface CatalogOptions {
  readonly templateCacheMs: number; // templates: in-process TTL with explicit invalidation
  readonly policyCheckMs: number; // policies: how often the version row is read
  readonly templateCheckMs: number; // templates: how often the table is asked whether another process changed it
  readonly monotonic: () => number; // not the business clock, which tests freeze or move by days
}

/** Templates and policies from Postgres, cached in-process. */
export function createCatalog(db: Kysely<Database>, o: CatalogOptions) {
  const templates = createTtlCache<TemplateLookup>(o.templateCacheMs, o.monotonic);
  const policies = createPolicyCache(db, o.policyCheckMs, o.monotonic);
  const watch = createTemplateWatch(db, o.templateCheckMs, o.monotonic, () => templates.clear());
  // A number's WABA is fixed (accounts.yaml): cached like templates, never watched.
  const wabas = createTtlCache<string | null>(o.templateCacheMs, o.monotonic);
  const wabaOf = (phoneNumberId: string): string | null | Promise<string | null> =>
    wabas.peek(phoneNumberId) ?? wabas.load(phoneNumberId, () => wabaOfNumber(db, phoneNumberId));
  const lookup = (name: string, locale: string, wabaId?: string): TemplateLookup | Promise<TemplateLookup> => {
    const key = keyOf(name, locale, wabaId);
    return templates.peek(key) ?? templates.load(key, () => loadTemplate(db, name, locale, wabaId));
  };
  const inWaba = (name: string, locale: string, wabaId?: string): TemplateLookup | Promise<TemplateLookup> => {
    const checking = watch.due();
    return checking ? checking.then(() => lookup(name, locale, wabaId)) : lookup(name, locale, wabaId);
  };

  return {
    /**
     * The template as the number `phoneNumberId` may send it: its WABA's (Meta's templates belong to one).
     * No number, or one without a phone_numbers row: any WABA's, as before accounts.
     */
    template(name: string, locale: string, phoneNumberId?: string): TemplateLookup | Promise<TemplateLookup> {
      if (phoneNumberId === undefined) return inWaba(name, locale);
      const waba = wabaOf(phoneNumberId);
      return waba instanceof Promise
        ? waba.then((w) => inWaba(name, locale, w ?? undefined))
        : inWaba(name, locale, waba ?? undefined);
    },
    policies(): readonly Policy[] | Promise<readonly Policy[]> {
      return policies.get();
    },
    invalidateTemplate(): void {
      templates.clear(); // the entries of every WABA and locale of a name: the cache is small
    },
    invalidatePolicies(): void {
      policies.invalidate();
    },
  };
}
