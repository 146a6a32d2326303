import { type Expression, type Kysely, type RawBuilder, sql } from "kysely";
import type { Database, MessageStatus } from "./types.js";

// sent ≥ 1, delivered ≥ 2, read ≥ 3: a status implies the ones before it (read without delivered counts both).
const rank = (s: Expression<string> | RawBuilder<string>) =>
  sql<number>`(CASE ${s}::text WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'played' THEN 3 ELSE 0 END)`;

type StatusSql = Expression<string> | RawBuilder<string>;
const COUNTERS = ["sent_count", "delivered_count", "read_count", "failed_count", "cancelled_count"] as const;

// What each counter gains (0 or 1) for one message going from → to.
function counterDeltas(from: StatusSql, to: StatusSql): Record<(typeof COUNTERS)[number], RawBuilder<number>> {
  const [f, t] = [rank(from), rank(to)];
  const terminal = (s: string) => sql<number>`(${to}::text = ${sql.lit(s)} AND ${from}::text <> ${sql.lit(s)})::int`;
  return {
    sent_count: sql<number>`(${f} < 1 AND ${t} >= 1)::int`,
    delivered_count: sql<number>`(${f} < 2 AND ${t} >= 2)::int`,
    read_count: sql<number>`(${f} < 3 AND ${t} >= 3)::int`,
    failed_count: terminal("failed"),
    cancelled_count: terminal("cancelled"),
  };
}
const counterMoves = (from: StatusSql, to: StatusSql) =>
  sql<boolean>`(${rank(from)} < ${rank(to)} OR (${to}::text IN ('failed', 'cancelled') AND ${from}::text <> ${to}::text))`;

/**
 * The campaign counter columns for one message going from → to, as SQL over two status expressions (column
 * references inside a status statement, or values): the one definition every status writer uses. `set` is the
 * SET list of `UPDATE campaigns`, `moves` is true when any column changes. A late `failed` after `sent` counts
 * in both; countCampaignMessages (@wa/campaigns) counts the rows by the same rule.
 */
function campaignCounterSql(from: StatusSql, to: StatusSql) {
  const d = counterDeltas(from, to);
  return {
    set: sql.join(COUNTERS.map((c) => sql`${sql.raw(c)} = ${sql.raw(c)} + ${d[c]}`)),
    moves: counterMoves(from, to),
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

/**
 * CTEs that move the counters of every campaign in `moves` (a relation with the columns campaign_id, from_status,
 * to_status: a message's status as it really was and as it became), for a status statement's WITH list: the moves
 * are summed per campaign, and the campaign rows locked in id order, so two writers moving the same campaigns
 * cannot deadlock. Named cc_d, cc_lk and cc_k; a data-modifying CTE runs whether or not the statement reads it.
 */
export function campaignCounterCtes(moves: RawBuilder<unknown>): RawBuilder<unknown> {
  const [f, t] = [sql<string>`mv.from_status`, sql<string>`mv.to_status`];
  const d = counterDeltas(f, t);
  return sql`
    cc_d AS (
      SELECT mv.campaign_id AS id, ${sql.join(COUNTERS.map((c) => sql`sum(${d[c]})::int AS ${sql.raw(c)}`))}
      FROM ${moves} AS mv WHERE mv.campaign_id IS NOT NULL AND ${counterMoves(f, t)} GROUP BY mv.campaign_id),
    cc_lk AS (SELECT c.id FROM campaigns c JOIN cc_d ON cc_d.id = c.id ORDER BY c.id FOR UPDATE OF c),
    cc_k AS (
      UPDATE campaigns c SET ${sql.join(COUNTERS.map((c) => sql.raw(`${c} = c.${c} + cc_d.${c}`)))}
      FROM cc_d JOIN cc_lk ON cc_lk.id = cc_d.id WHERE c.id = cc_d.id RETURNING c.id)`;
}

/** moveCampaignCounters for many messages in one statement (a webhook body's statuses). */
export async function moveCampaignCountersMany(
  db: Kysely<Database>,
  moves: ReadonlyArray<{ campaignId: string | null; from: MessageStatus; to: MessageStatus }>,
): Promise<void> {
  const m = moves.filter((x) => x.campaignId && x.from !== x.to);
  if (m.length === 0) return;
  await sql`
    WITH mv AS (
      SELECT * FROM unnest(${m.map((x) => x.campaignId)}::uuid[], ${m.map((x) => x.from)}::text[], ${m.map((x) => x.to)}::text[])
        AS mv(campaign_id, from_status, to_status)),
    ${campaignCounterCtes(sql`mv`)}
    SELECT count(*) FROM cc_k`.execute(db);
}
