import type { Database } from "@wa/db";
import type { Kysely } from "kysely";
import { type Policy, parsePolicy } from "./policy-schema.js";
import { createTtlCache } from "./ttl-cache.js";
import type { TemplateLookup } from "./types.js";

const keyOf = (name: string, locale: string): string => `${name}\u0000${locale}`;

/** One template as the rules need it; a missing one answers with the locales that do exist. */
export async function loadTemplate(db: Kysely<Database>, name: string, locale: string): Promise<TemplateLookup> {
  const row = await db
    .selectFrom("templates")
    .select(["name", "locale", "category", "status", "parameter_format", "parameter_count", "parameter_names", "rejection_reason"])
    .where("name", "=", name)
    .where("locale", "=", locale)
    .executeTakeFirst();
  if (!row) {
    const others = await db.selectFrom("templates").select("locale").where("name", "=", name).orderBy("locale").execute();
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
    },
  };
}

/** Templates and policies from Postgres, cached in-process for `ttlMs` with explicit invalidation. */
export function createCatalog(db: Kysely<Database>, ttlMs: number) {
  const templates = createTtlCache<TemplateLookup>(ttlMs);
  const policies = createTtlCache<readonly Policy[]>(ttlMs);

  // A row that fails validation (edited by hand) throws: decisions fail closed, never skip a policy.
  async function loadPolicies(): Promise<readonly Policy[]> {
    const rows = await db.selectFrom("policies").selectAll().where("enabled", "=", true).orderBy("id").execute();
    return rows.map((r) =>
      parsePolicy({ id: r.id, name: r.name, type: r.type, channel: r.channel, message_type: r.message_type, enabled: r.enabled, rules: r.rules }, "policies table"),
    );
  }

  return {
    template(name: string, locale: string): TemplateLookup | Promise<TemplateLookup> {
      const key = keyOf(name, locale);
      return templates.peek(key) ?? templates.load(key, () => loadTemplate(db, name, locale));
    },
    policies(): readonly Policy[] | Promise<readonly Policy[]> {
      return policies.peek("all") ?? policies.load("all", loadPolicies);
    },
    invalidateTemplate(name?: string, locale?: string): void {
      if (name !== undefined && locale !== undefined) templates.delete(keyOf(name, locale));
      else templates.clear(); // a name alone: its locales are unknown here, and the cache is small
    },
    invalidatePolicies(): void {
      policies.clear();
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
