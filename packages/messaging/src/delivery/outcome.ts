import { recordCampaignMessageStatus } from "@wa/campaigns";
import { writeAudit, type Db } from "@wa/db";
import { explainMetaFailure, type MetaError, type SendResult } from "@wa/meta";
import type { StateStore } from "@wa/state";
import { sql } from "kysely";
import type { ClaimedRow } from "./types.js";

/**
 * Meta accepted it: sent + wamid beside our id (which never changes), and last_outbound_at on the customer
 * and its active conversation (forward only, like @wa/state recordOutbound) — one statement, one commit,
 * because this runs once per message at full throughput. A webhook may already have moved the status on.
 */
export async function markSent(db: Db, row: ClaimedRow, result: SendResult, phoneNumberId: string, at: Date): Promise<void> {
  await sql`
    WITH m AS (
      UPDATE messages SET status = CASE WHEN status IN ('sending', 'queued', 'retrying') THEN 'sent' ELSE status END,
        wamid = ${result.wamid}, sent_at = COALESCE(sent_at, ${at}), phone_number_id = ${phoneNumberId},
        error_code = NULL, error_title = NULL, error_details = NULL, error_explanation = NULL, updated_at = now()
      WHERE id = ${row.id} RETURNING id),
    c AS (
      UPDATE customers SET last_outbound_at = GREATEST(COALESCE(last_outbound_at, ${at}), ${at}), updated_at = clock_timestamp()
      WHERE channel = ${row.channel} AND customer_id = ${row.customer_id} RETURNING id),
    v AS (
      UPDATE conversations SET last_outbound_at = GREATEST(COALESCE(last_outbound_at, ${at}), ${at}), updated_at = clock_timestamp()
      WHERE channel = ${row.channel} AND customer_id = ${row.customer_id} AND status = 'active' RETURNING id)
    SELECT (SELECT count(*) FROM m) AS m, (SELECT count(*) FROM c) AS c, (SELECT count(*) FROM v) AS v`.execute(db);
}

/** Will be tried again after a nak delay: keep the last error visible meanwhile. */
export async function markRetrying(db: Db, row: ClaimedRow, err: MetaError): Promise<void> {
  const x = explainMetaFailure(err);
  await db
    .updateTable("messages")
    .set({ status: "retrying", error_code: err.code, error_title: err.title || x.title, error_details: err.details, error_explanation: x.human_explanation, updated_at: sql`now()` })
    .where("id", "=", row.id)
    .where("status", "=", "sending")
    .execute();
}

export interface Failure {
  readonly code: number | null;
  readonly title: string;
  readonly details: string | null;
  readonly explanation: string;
  readonly reason: string; // why the worker stopped trying
}

export function failureOf(err: MetaError, reason: string): Failure {
  const x = explainMetaFailure(err);
  return { code: err.code, title: err.title || x.title, details: err.details, explanation: `${x.human_explanation} ${x.suggested_action}`.trim(), reason };
}

/** Terminal: failed with Meta's code/title/details and the catalog's explanation; the slot goes back if Meta never took it. */
export async function markFailed(db: Db, row: ClaimedRow, f: Failure): Promise<{ releasedSlot: boolean }> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable("messages")
      .set({
        status: "failed", failed_at: sql`now()`, error_code: f.code, error_title: f.title, error_details: f.details,
        error_explanation: f.explanation, status_reason: f.reason, updated_at: sql`now()`,
        counts_toward_cap: sql`CASE WHEN wamid IS NULL THEN false ELSE counts_toward_cap END`,
      })
      .where("id", "=", row.id)
      .where("status", "=", "sending")
      .returning("counts_toward_cap")
      .executeTakeFirst();
    if (!r) return { releasedSlot: false };
    await writeAudit(trx, {
      actor: "system", action: "message.failed", subjectType: "message", subjectId: row.id,
      details: { code: f.code, title: f.title, details: f.details, reason: f.reason, attempts: row.attempts, customer_id: row.customer_id },
    });
    if (row.campaign_id) await recordCampaignMessageStatus(trx, row.campaign_id, "sending", "failed");
    return { releasedSlot: row.counts_toward_cap && !r.counts_toward_cap };
  });
}

/** Something changed after enqueue (opt-out, closed window): not sent, cancelled with the reason. */
export async function markCancelled(db: Db, row: ClaimedRow, reasonCode: string, explanation: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable("messages")
      .set({ status: "cancelled", cancelled_at: sql`now()`, status_reason: reasonCode, error_explanation: explanation, counts_toward_cap: false, updated_at: sql`now()` })
      .where("id", "=", row.id)
      .where("status", "=", "sending")
      .returning("id")
      .executeTakeFirst();
    if (!r) return;
    await writeAudit(trx, { actor: "system", action: "message.cancelled", subjectType: "message", subjectId: row.id, details: { reason_code: reasonCode, explanation, at: "delivery" } });
    if (row.campaign_id) await recordCampaignMessageStatus(trx, row.campaign_id, "sending", "cancelled");
  });
}

/**
 * Meta says the customer stopped marketing from this business in WhatsApp (131050, catalog class opted_out):
 * record it as a revoked marketing consent, so the next marketing send is refused before it reaches Meta.
 */
export async function recordMetaOptOut(state: StateStore, row: ClaimedRow, err: MetaError): Promise<void> {
  if (err.code === null || explainMetaFailure(err).category !== "opted_out") return;
  await state.setConsent(
    { customerId: row.customer_id, channel: row.channel },
    { marketing: "revoked" },
    { source: "meta_opt_out", actor: "system", details: { message_id: row.id, code: err.code } },
  );
}
