import { type Expression, type Kysely, type RawBuilder, sql } from "kysely";
import type { Database, MessageStatus } from "./types.js";

// sent ≥ 1, delivered ≥ 2, read ≥ 3: a status implies the ones before it (read without delivered counts both).
const rank = (s: Expression<string> | RawBuilder<string>) =>
  sql<number>`(CASE ${s}::text WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'played' THEN 3 ELSE 0 END)`;

/**
 * The campaign counter columns for one message going from → to, as SQL over two status expressions (column
 * references inside a status statement, or values): the one definition every status writer uses. `set` is the
 * SET list of `UPDATE campaigns`, `moves` is true when any column changes. A late `failed` after `sent` counts
 * in both; countCampaignMessages (@wa/campaigns) counts the rows by the same rule.
 */
export function campaignCounterSql(
  from: Expression<string> | RawBuilder<string>,
  to: Expression<string> | RawBuilder<string>,
) {
  const [f, t] = [rank(from), rank(to)];
  const terminal = (s: string) => sql<number>`(${to}::text = ${sql.lit(s)} AND ${from}::text <> ${sql.lit(s)})::int`;
  return {
    set: sql`sent_count = sent_count + (${f} < 1 AND ${t} >= 1)::int,
      delivered_count = delivered_count + (${f} < 2 AND ${t} >= 2)::int,
      read_count = read_count + (${f} < 3 AND ${t} >= 3)::int,
      failed_count = failed_count + ${terminal("failed")},
      cancelled_count = cancelled_count + ${terminal("cancelled")}`,
    moves: sql<boolean>`(${f} < ${t} OR (${to}::text IN ('failed', 'cancelled') AND ${from}::text <> ${to}::text))`,
  };
}

/**
 * Moves a campaign's counters for one message whose status the caller changed from → to, in the caller's
 * transaction. Pass the status the row really had (read under its lock), never an assumed one: that is what
 * keeps a webhook that beat markSent from counting the send twice.
 */
export async function moveCampaignCounters(
  db: Kysely<Database>,
  campaignId: string | null,
  from: MessageStatus,
  to: MessageStatus,
): Promise<void> {
  if (!campaignId || from === to) return;
  const c = campaignCounterSql(sql.val(from), sql.val(to));
  await sql`UPDATE campaigns SET ${c.set} WHERE id = ${campaignId} AND ${c.moves}`.execute(db);
}
