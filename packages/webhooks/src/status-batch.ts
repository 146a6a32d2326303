import { isDbUnavailable, type MessageStatus, moveCampaignCountersMany } from "@wa/db";
import type { StatusEvent } from "@wa/meta";
import { CompiledQuery } from "kysely";
import {
  applyStatus,
  IMPLIES,
  numberCheck,
  rankOf,
  type StatusExecutor,
  type StatusResult,
  statusValues,
  TIME_COLUMNS,
} from "./status.js";

/** One status of a body and its ledger key. */
export interface StatusItem {
  readonly ev: StatusEvent;
  readonly key: string;
}

/** A status's result, or what it threw: the caller tells an outage from poison. */
export type BatchResult = StatusResult | { outcome: "error"; err: unknown };

const implied = (i: number): string =>
  Object.entries(IMPLIES)
    .filter(([, cols]) => cols[i])
    .map(([s]) => `'${s}'`)
    .join(", ");

// The rules of status.ts, for a set of statuses of DIFFERENT wamids (a set-based UPDATE touches a row once):
// `locked` finds every row (the wamid match wins over our id in biz_opaque_callback_data) and locks them in id
// order, so two processors applying overlapping bodies cannot deadlock; `target` keeps one status per row (two
// wamids naming the same id: the later one is returned as `retry`); keys are claimed in key order, the rows
// updated only for claimed keys. The ledger check of unmatched statuses reads the statement's snapshot.
const TEXT = `
WITH ev AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
    $8::int[], $9::text[], $10::text[], $11::text[], $13::text[])
    AS ev(ord, wamid, opaque, key, status, ts, pricing, code, title, details, explanation, phone)
),
locked AS (
  SELECT ev.*, m.id, m.status AS from_status,
    (ev.phone IS NOT NULL AND COALESCE(m.phone_number_id, $14::text) IS DISTINCT FROM ev.phone) AS mismatch
  FROM ev JOIN messages m ON m.id = COALESCE(
    (SELECT w.id FROM messages w WHERE w.wamid = ev.wamid AND w.direction = 'outbound'),
    (SELECT o.id FROM messages o WHERE o.id = ev.opaque AND o.direction = 'outbound'))
  WHERE m.wamid = ev.wamid OR m.wamid IS NULL
  ORDER BY m.id FOR UPDATE OF m
),
target AS (SELECT DISTINCT ON (id) * FROM locked WHERE NOT mismatch ORDER BY id, ord),
claim AS (
  INSERT INTO webhook_events (event_key, kind)
  SELECT key, 'status' FROM target ORDER BY key
  ON CONFLICT (event_key) DO NOTHING
  RETURNING event_key
),
upd AS (
  UPDATE messages m SET
    status = CASE WHEN ${rankOf("t.status")} > ${rankOf("m.status")} THEN t.status ELSE m.status END,
    ${TIME_COLUMNS.map((c, i) => `${c} = CASE WHEN t.status IN (${implied(i)}) THEN LEAST(m.${c}, t.ts) ELSE m.${c} END`).join(",\n    ")},
    wamid = COALESCE(m.wamid, t.wamid),
    error_code = CASE WHEN t.status = 'failed' THEN t.code ELSE m.error_code END,
    error_title = CASE WHEN t.status = 'failed' THEN t.title ELSE m.error_title END,
    error_details = CASE WHEN t.status = 'failed' THEN t.details ELSE m.error_details END,
    error_explanation = CASE WHEN t.status = 'failed' THEN t.explanation ELSE m.error_explanation END,
    pricing = CASE WHEN t.pricing IS NOT NULL AND (m.pricing IS NULL OR ${rankOf("t.status")} >= ${rankOf("m.pricing->>'status'")})
      THEN t.pricing::jsonb ELSE m.pricing END,
    updated_at = $12::timestamptz
  FROM target t
  WHERE m.id = t.id AND t.key IN (SELECT event_key FROM claim)
  RETURNING t.ord, t.wamid, t.status AS event_status, t.code, m.id, t.from_status, m.status AS to_status,
    m.campaign_id, m.customer_id
),
anomaly AS (
  INSERT INTO audit_logs (actor, action, subject_type, subject_id, details)
  SELECT 'webhook', 'message.failed_after_delivery', 'message', u.id::text,
    jsonb_build_object('wamid', u.wamid, 'status', u.from_status, 'code', u.code)
  FROM upd u WHERE u.event_status = 'failed' AND ${rankOf("u.from_status")} >= 2
)
SELECT ev.ord, l.ord IS NOT NULL AS found, t.ord IS NOT NULL AS first, COALESCE(l.mismatch, false) AS mismatch,
  CASE WHEN l.ord IS NULL THEN EXISTS (SELECT 1 FROM webhook_events w WHERE w.event_key = ev.key) END AS seen,
  u.id, u.from_status, u.to_status, u.campaign_id, u.customer_id
FROM ev LEFT JOIN locked l USING (ord) LEFT JOIN target t USING (ord) LEFT JOIN upd u USING (ord)`;
const NAME = "wa_webhook_status_batch3";

interface Row {
  ord: number;
  found: boolean;
  first: boolean;
  mismatch: boolean;
  seen: boolean | null;
  id: string | null;
  from_status: MessageStatus | null;
  to_status: MessageStatus | null;
  campaign_id: string | null;
  customer_id: string | null;
}

type LayerResult = StatusResult | { outcome: "retry" };

/** One statement for statuses of different wamids; results in item order. Campaign counters move right after. */
async function applyLayer(ex: StatusExecutor, items: readonly StatusItem[], now: number): Promise<LayerResult[]> {
  const vs = items.map((x) => statusValues(x.ev));
  const values: unknown[] = [
    items.map((_, i) => i),
    items.map((x) => x.ev.wamid),
    vs.map((v) => v.opaque),
    items.map((x) => x.key),
    items.map((x) => x.ev.status),
    items.map((x) => new Date(x.ev.timestamp ?? now)),
    vs.map((v) => v.pricing),
    vs.map((v) => v.code),
    vs.map((v) => v.title),
    vs.map((v) => v.details),
    vs.map((v) => v.explanation),
    new Date(now),
    items.map((x) => numberCheck(ex, x.ev)[0]),
    ex.defaultNumber ?? null,
  ];
  const rows = ex.pool
    ? (await ex.pool.query<Row>({ name: NAME, text: TEXT, values })).rows
    : (await ex.db.executeQuery<Row>(CompiledQuery.raw(TEXT, values))).rows;
  // One row per status (every join is on its position).
  const out = rows
    .toSorted((x, y) => x.ord - y.ord)
    .map((r): LayerResult => {
      if (r.id && r.customer_id && r.from_status && r.to_status)
        return {
          outcome: "applied",
          messageId: r.id,
          customerId: r.customer_id,
          from: r.from_status,
          to: r.to_status,
          failedCode: r.to_status === "failed" ? (vs[r.ord]?.code ?? null) : null,
        };
      if (r.mismatch) return { outcome: "mismatch" };
      if (r.found) return { outcome: r.first ? "duplicate" : "retry" };
      // No row: parked earlier (the ledger has the key) or not matchable yet.
      return { outcome: r.seen ? "duplicate" : "deferred" };
    });
  await moveCampaignCountersMany(
    ex.db,
    rows.flatMap((r) =>
      r.id && r.from_status && r.to_status ? [{ campaignId: r.campaign_id, from: r.from_status, to: r.to_status }] : [],
    ),
  );
  return out;
}

/** Indexes of `pending` (in order) split into the first status of each wamid and the rest. */
function nextLayer(items: readonly StatusItem[], pending: readonly number[]): { layer: number[]; rest: number[] } {
  const seen = new Set<string>();
  const layer: number[] = [];
  const rest: number[] = [];
  for (const i of pending) {
    const wamid = items[i]!.ev.wamid;
    if (seen.has(wamid)) rest.push(i);
    else {
      seen.add(wamid);
      layer.push(i);
    }
  }
  return { layer, rest };
}

/**
 * Applies a body's plain statuses set-based, with the rules and the exactly-once ledger of `applyStatus`: one
 * statement (one commit) for all of them when every status names a different message, which is how Meta
 * batches. Several statuses of the same wamid go in body order, one statement per position (first of each,
 * then second of each, …): exactly what applying them one by one does, duplicates included. A statement that
 * fails for any reason other than an outage is re-run status by status, so one poison status cannot fail its
 * neighbours. Results in item order.
 */
export async function applyStatuses(
  ex: StatusExecutor,
  items: readonly StatusItem[],
  now: number,
): Promise<BatchResult[]> {
  const results = new Map<number, BatchResult>();
  let pending = items.map((_, i) => i);
  while (pending.length > 0) {
    const { layer, rest } = nextLayer(items, pending);
    const retry: number[] = [];
    try {
      const rs = await applyLayer(
        ex,
        layer.map((i) => items[i]!),
        now,
      );
      rs.forEach((r, j) => {
        if (r.outcome === "retry") retry.push(layer[j]!);
        else results.set(layer[j]!, r);
      });
    } catch (err) {
      if (isDbUnavailable(err)) {
        for (const i of pending) results.set(i, { outcome: "error", err });
        break;
      }
      // (Should only the counters have failed, the statuses are committed: each comes back a duplicate.)
      for (const i of layer) {
        const { ev, key } = items[i]!;
        results.set(
          i,
          await applyStatus(ex, ev, key, now).catch((e: unknown) => ({ outcome: "error" as const, err: e })),
        );
      }
    }
    pending = [...retry, ...rest].toSorted((a, b) => a - b);
  }
  return items.map((_, i) => results.get(i)!);
}
