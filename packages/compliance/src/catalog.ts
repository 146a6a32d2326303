import type { Database } from "@wa/db";
import type { Kysely } from "kysely";
import { createPolicyCache } from "./policy-cache.js";
import type { Policy } from "./policy-schema.js";
import { shapeOf } from "./template-parts.js";
import { createTemplateWatch } from "./template-watch.js";
import { createTtlCache } from "./ttl-cache.js";
import type { TemplateLookup } from "./types.js";

const keyOf = (name: string, locale: string): string => `${name}\u0000${locale}`;

/** One template as the rules need it; a missing one answers with the locales that do exist. */
export async function loadTemplate(db: Kysely<Database>, name: string, locale: string): Promise<TemplateLookup> {
  const row = await db
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
    .where("locale", "=", locale)
    .executeTakeFirst();
  if (!row) {
    const others = await db
      .selectFrom("templates")
      .select("locale")
      .where("name", "=", name)
      .orderBy("locale")
      .execute();
    return { found: false, locales: others.map((o) => o.locale) };
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
  const lookup = (name: string, locale: string): TemplateLookup | Promise<TemplateLookup> => {
    const key = keyOf(name, locale);
    return templates.peek(key) ?? templates.load(key, () => loadTemplate(db, name, locale));
  };

  return {
    template(name: string, locale: string): TemplateLookup | Promise<TemplateLookup> {
      const checking = watch.due();
      return checking ? checking.then(() => lookup(name, locale)) : lookup(name, locale);
    },
    policies(): readonly Policy[] | Promise<readonly Policy[]> {
      return policies.get();
    },
    invalidateTemplate(name?: string, locale?: string): void {
      if (name !== undefined && locale !== undefined) templates.delete(keyOf(name, locale));
      else templates.clear(); // a name alone: its locales are unknown here, and the cache is small
    },
    invalidatePolicies(): void {
      policies.invalidate();
    },
  };
}
