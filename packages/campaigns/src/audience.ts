import { DAY_MS } from "@wa/config";
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from "kysely";
import type { Database, Db } from "@wa/db";
import { splitCountries, type AudienceFilter } from "./audience-filter.js";

type CustomerEb = ExpressionBuilder<Database, "customers">;

/** The audience as a WHERE clause over customers (channel included). */
function matches(eb: CustomerEb, filter: AudienceFilter, channel: string, now: number): Expression<SqlBool> {
  const conds: Expression<SqlBool>[] = [eb("channel", "=", channel)];
  if (filter.include_tags) conds.push(sql<SqlBool>`tags && ${sql.val(filter.include_tags)}::text[]`);
  if (filter.exclude_tags) conds.push(sql<SqlBool>`NOT (tags && ${sql.val(filter.exclude_tags)}::text[])`);
  if (filter.country_codes) {
    const { iso, callingCodes } = splitCountries(filter.country_codes);
    const any: Expression<SqlBool>[] = [];
    if (iso.length) any.push(eb("country", "in", iso));
    for (const code of callingCodes) any.push(sql<SqlBool>`starts_with(customer_id, ${code})`);
    conds.push(eb.or(any));
  }
  if (filter.active_within_days !== undefined) {
    conds.push(eb("last_inbound_at", ">=", new Date(now - filter.active_within_days * DAY_MS)));
  }
  return eb.and(conds);
}

export interface AudiencePageInput {
  readonly filter: AudienceFilter;
  readonly channel?: string;
  readonly after: string | null; // keyset cursor: the last customer_id already handled
  readonly limit: number;
  readonly now: number;
}

/** One page of the audience in customer_id order, after the cursor (index customers (channel, customer_id)). */
export async function audiencePage(db: Db, input: AudiencePageInput): Promise<string[]> {
  const rows = await db
    .selectFrom("customers")
    .select("customer_id")
    .where((eb) => matches(eb, input.filter, input.channel ?? "whatsapp", input.now))
    .$if(input.after !== null, (q) => q.where("customer_id", ">", input.after ?? ""))
    .orderBy("customer_id")
    .limit(input.limit)
    .execute();
  return rows.map((r) => r.customer_id);
}

/** How many customers match the filter now (schedule_campaign's audience_estimate). */
export async function estimateAudience(
  db: Db,
  filter: AudienceFilter,
  opts: { now: number; channel?: string; after?: string | null },
): Promise<number> {
  const row = await db
    .selectFrom("customers")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where((eb) => matches(eb, filter, opts.channel ?? "whatsapp", opts.now))
    .$if(opts.after != null, (q) => q.where("customer_id", ">", opts.after ?? ""))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
