import { type Executor, type MessageStatus, moveCampaignCounters } from "@wa/db";
import { explainMetaError, type StatusEvent } from "@wa/meta";
import { CompiledQuery } from "kysely";
import type pg from "pg";

// Forward-only ranks. `failed` sits between sent and delivered: it beats sent (a delivery failure after
// sent), but a delivered/read/played, in either arrival order, wins over it. That makes the final row
// independent of the order Meta's webhooks arrive in.
const RANK: Record<StatusEvent["status"], number> = { sent: 1, failed: 1.5, delivered: 2, read: 3, played: 4 };
export const rankOf = (expr: string): string =>
  `(CASE ${expr} WHEN 'sent' THEN 1 WHEN 'failed' THEN 1.5 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'played' THEN 4 ELSE 0 END)`;

// A status implies the ones before it (read without delivered sets delivered too); times keep the earliest seen.
export const TIME_COLUMNS = ["sent_at", "delivered_at", "read_at", "played_at", "failed_at"] as const;
export const IMPLIES: Record<StatusEvent["status"], readonly boolean[]> = {
  sent: [true, false, false, false, false],
  delivered: [true, true, false, false, false],
  read: [true, true, true, false, false],
  played: [true, true, true, true, false],
  failed: [false, false, false, false, true],
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Our id in biz_opaque_callback_data finds a row whose wamid is not stored yet; the wamid match wins.
// $19 the status's metadata.phone_number_id, $20 the default number (a message without a number was sent from
// it); $19 null (no accounts) = no check. A status from another number than its message's: `mismatch`, not applied.
const COLUMNS = `id, status, campaign_id, customer_id,
  ($19::text IS NOT NULL AND COALESCE(phone_number_id, $20::text) IS DISTINCT FROM $19::text) AS mismatch`;
const BY_WAMID = `SELECT ${COLUMNS} FROM messages WHERE wamid = $1 AND direction = 'outbound' AND $2::uuid IS NULL FOR UPDATE`;
const BY_WAMID_OR_ID = `SELECT ${COLUMNS} FROM messages
  WHERE direction = 'outbound' AND (wamid = $1 OR (id = $2::uuid AND wamid IS NULL))
  ORDER BY (wamid IS NOT NULL) DESC LIMIT 1 FOR UPDATE`;

// One constant text per match kind, so it can be a named prepared statement (planned once per connection).
const statement = (match: string): string => `
WITH target AS (${match}),
claim AS (
  INSERT INTO webhook_events (event_key, kind)
  SELECT $3, 'status' WHERE EXISTS (SELECT 1 FROM target WHERE NOT mismatch)
  ON CONFLICT (event_key) DO NOTHING
  RETURNING event_key
),
upd AS (
  UPDATE messages m SET
    status = CASE WHEN $5::numeric > ${rankOf("m.status")} THEN $4::text ELSE m.status END,
    ${TIME_COLUMNS.map((c, i) => `${c} = CASE WHEN $${7 + i}::boolean THEN LEAST(m.${c}, $6::timestamptz) ELSE m.${c} END`).join(",\n    ")},
    wamid = COALESCE(m.wamid, $1),
    error_code = CASE WHEN $12::boolean THEN $13::int ELSE m.error_code END,
    error_title = CASE WHEN $12::boolean THEN $14::text ELSE m.error_title END,
    error_details = CASE WHEN $12::boolean THEN $15::text ELSE m.error_details END,
    error_explanation = CASE WHEN $12::boolean THEN $16::text ELSE m.error_explanation END,
    pricing = CASE WHEN $17::jsonb IS NOT NULL AND (m.pricing IS NULL OR $5::numeric >= ${rankOf("m.pricing->>'status'")})
      THEN $17::jsonb ELSE m.pricing END,
    updated_at = $18::timestamptz
  FROM target
  WHERE m.id = target.id AND EXISTS (SELECT 1 FROM claim)
  RETURNING m.id, target.status AS from_status, m.status AS to_status, m.campaign_id, m.customer_id
),
anomaly AS (
  INSERT INTO audit_logs (actor, action, subject_type, subject_id, details)
  SELECT 'webhook', 'message.failed_after_delivery', 'message', upd.id::text,
    jsonb_build_object('wamid', $1::text, 'status', upd.from_status, 'code', $13::int)
  FROM upd WHERE $12::boolean AND ${rankOf("upd.from_status")} >= 2
)
SELECT (SELECT count(*) FROM target)::int AS found, (SELECT count(*) FROM claim)::int AS claimed,
  (SELECT bool_or(mismatch) FROM target) AS mismatch,
  u.id, u.from_status, u.to_status, u.campaign_id, u.customer_id
FROM (SELECT 1) one LEFT JOIN upd u ON true`;

const STATEMENTS = {
  wamid: { name: "wa_webhook_status_w3", text: statement(BY_WAMID) },
  opaque: { name: "wa_webhook_status_o3", text: statement(BY_WAMID_OR_ID) },
} as const;

export type StatusResult =
  | {
      outcome: "applied";
      messageId: string;
      customerId: string;
      from: MessageStatus;
      to: MessageStatus;
      failedCode: number | null;
    }
  | { outcome: "duplicate" | "deferred" }
  // the status's metadata.phone_number_id is not the number its message was sent from: dead-lettered
  | { outcome: "mismatch" };

interface Row {
  found: number;
  claimed: number;
  mismatch: boolean | null;
  id: string | null;
  from_status: MessageStatus | null;
  to_status: MessageStatus | null;
  campaign_id: string | null;
  customer_id: string | null;
}

/** What a status writes besides its status and time: our id when it is one, the error of a failure, pricing. */
export function statusValues(ev: StatusEvent) {
  const err = ev.status === "failed" ? ev.errors[0] : undefined;
  const code = err?.code ?? null;
  const p = ev.pricing;
  return {
    opaque: ev.bizOpaqueCallbackData && UUID.test(ev.bizOpaqueCallbackData) ? ev.bizOpaqueCallbackData : null,
    code,
    title: err?.title ?? null,
    details: err?.details ?? err?.message ?? null,
    explanation: code === null ? null : explainMetaError(code, err?.details ?? undefined).human_explanation,
    pricing: p
      ? JSON.stringify({
          billable: p.billable,
          pricing_model: p.pricingModel,
          type: p.type,
          category: p.category,
          status: ev.status,
        })
      : null,
  };
}

/** Where the status statement runs: a plain pg Pool (prepared, fastest) or Kysely, the pool or a transaction. */
export interface StatusExecutor {
  readonly db: Executor;
  readonly pool?: pg.Pool;
  /** With accounts: the default number, and each status must come from its message's number. None: no check. */
  readonly defaultNumber?: string;
}

/** The number a status must match ($19) and the number of a message without one ($20). */
export const numberCheck = (ex: StatusExecutor, ev: StatusEvent): [string | null, string | null] =>
  ex.defaultNumber === undefined ? [null, null] : [ev.phoneNumberId, ex.defaultNumber];

/**
 * Applies one status in ONE statement (its own transaction, or the caller's when `ex.db` is one): ledger claim
 * under `key`, the message row (matched by wamid,
 * or by our id in biz_opaque_callback_data when the wamid is not stored yet) and the failed-after-delivery
 * audit entry. A body's plain statuses go together through status-batch.ts (same rules); this one is for a
 * status that commits with more (status-tx.ts) and for the batch's one-by-one fallback. Deferred = no message
 * row matches yet (nothing written).
 * Campaign counters move right after, outside that statement: they are a derived cache that the campaign
 * sweeper rewrites from the rows (`syncCampaignCounters`), so a crash in between cannot leave them wrong.
 */
export async function applyStatus(
  ex: StatusExecutor,
  ev: StatusEvent,
  key: string,
  now: number,
): Promise<StatusResult> {
  const v = statusValues(ev);
  const values: unknown[] = [
    ev.wamid,
    v.opaque,
    key,
    ev.status,
    RANK[ev.status],
    new Date(ev.timestamp ?? now),
    ...IMPLIES[ev.status],
    ev.status === "failed",
    v.code,
    v.title,
    v.details,
    v.explanation,
    v.pricing,
    new Date(now),
    ...numberCheck(ex, ev),
  ];
  const st = v.opaque ? STATEMENTS.opaque : STATEMENTS.wamid;
  const rows = ex.pool
    ? (await ex.pool.query<Row>({ name: st.name, text: st.text, values })).rows
    : (await ex.db.executeQuery<Row>(CompiledQuery.raw(st.text, values))).rows;

  const row = rows[0];
  if (!row || row.found === 0) {
    // No row: parked earlier (the ledger has the key) or not matchable yet.
    const seen = await ex.db
      .selectFrom("webhook_events")
      .select("event_key")
      .where("event_key", "=", key)
      .executeTakeFirst();
    return { outcome: seen ? "duplicate" : "deferred" };
  }
  if (row.mismatch) return { outcome: "mismatch" };
  if (row.claimed === 0 || !row.id || !row.customer_id || !row.from_status || !row.to_status)
    return { outcome: "duplicate" };
  await moveCampaignCounters(ex.db, row.campaign_id, row.from_status, row.to_status);
  return {
    outcome: "applied",
    messageId: row.id,
    customerId: row.customer_id,
    from: row.from_status,
    to: row.to_status,
    failedCode: row.to_status === "failed" ? v.code : null,
  };
}
