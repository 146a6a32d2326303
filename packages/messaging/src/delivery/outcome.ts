import { campaignCounterSql, moveCampaignCounters, writeAudit, type Db } from "@wa/db";
import { explainMetaError, explainMetaFailure, type MetaError, type SendResult } from "@wa/meta";
import { changeConsent, markMarketingLimited } from "@wa/state";
import { sql } from "kysely";
import type { ClaimedRow } from "./types.js";

/**
 * Meta accepted it: sent + wamid beside our id (which never changes), last_outbound_at on the customer and its
 * active conversation (forward only, like @wa/state recordOutbound), and the campaign's counters from the status
 * the row really had: one statement, one commit, because this runs once per message at full throughput. A webhook
 * may already have moved the status on: then its status and its error (a `failed` webhook's code) stay as they
 * are, and nothing is counted twice.
 * Lock order (README "Writing the rows and the lock order"): the customer row first, then the message, then the campaign.
 */
export async function markSent(
  db: Db,
  row: ClaimedRow,
  result: SendResult,
  phoneNumberId: string,
  at: Date,
): Promise<void> {
  const counters = campaignCounterSql(sql.ref("m.from_status"), sql.ref("m.to_status"));
  await sql`/* prepared: delivery-mark-sent */
    WITH c AS (
      UPDATE customers SET last_outbound_at = GREATEST(COALESCE(last_outbound_at, ${at}), ${at}), updated_at = clock_timestamp()
      WHERE channel = ${row.channel} AND customer_id = ${row.customer_id} RETURNING id),
    prev AS (
      SELECT id, status FROM messages WHERE id = ${row.id} AND EXISTS (SELECT 1 FROM c) FOR UPDATE),
    m AS (
      UPDATE messages SET status = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN 'sent' ELSE messages.status END,
        wamid = ${result.wamid}, sent_at = COALESCE(sent_at, ${at}), phone_number_id = ${phoneNumberId},
        error_code = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_code END,
        error_title = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_title END,
        error_details = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_details END,
        error_explanation = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_explanation END,
        updated_at = now()
      FROM prev WHERE messages.id = prev.id RETURNING messages.id, messages.campaign_id, prev.status AS from_status, messages.status AS to_status),
    v AS (
      UPDATE conversations SET last_outbound_at = GREATEST(COALESCE(last_outbound_at, ${at}), ${at}), updated_at = clock_timestamp()
      WHERE channel = ${row.channel} AND customer_id = ${row.customer_id} AND status = 'active' RETURNING id),
    k AS (
      UPDATE campaigns SET ${counters.set} FROM m WHERE campaigns.id = m.campaign_id AND ${counters.moves} RETURNING campaigns.id)
    SELECT (SELECT count(*) FROM m) AS m, (SELECT count(*) FROM v) AS v, (SELECT count(*) FROM k) AS k`.execute(db);
}

/** Will be tried again after a nak delay: keep the last error visible meanwhile. */
export async function markRetrying(db: Db, row: ClaimedRow, err: MetaError): Promise<void> {
  const x = explainMetaFailure(err);
  await db
    .updateTable("messages")
    .set({
      status: "retrying",
      meta_call_at: null,
      error_code: err.code,
      error_title: err.title || x.title,
      error_details: err.details,
      error_explanation: x.human_explanation,
      updated_at: sql`now()`,
    })
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
  return {
    code: err.code,
    title: err.title || x.title,
    details: err.details,
    explanation: `${x.human_explanation} ${x.suggested_action}`.trim(),
    reason,
  };
}

/** Meta says the customer stopped marketing from this business in WhatsApp (131050, catalog class opted_out). */
function isMetaOptOut(code: number | null): boolean {
  return code !== null && explainMetaError(code).category === "opted_out";
}

/** Meta's per-user marketing limit (131049, catalog class wait_24h): no marketing to this customer for 24 h. */
function isMarketingLimit(code: number | null): boolean {
  return code !== null && explainMetaError(code).category === "wait_24h";
}

/**
 * Terminal: failed with Meta's code/title/details and the catalog's explanation; the slot goes back if Meta never
 * took it. A 131050 opt-out is recorded as revoked marketing consent in the same transaction, so the next
 * marketing send is refused before it reaches Meta and no fault can keep the failure but lose the revoke; a
 * 131049 marks the customer's marketing limited for 24 h the same way (queued marketing is then cancelled).
 */
export async function markFailed(
  db: Db,
  row: ClaimedRow,
  f: Failure,
  at: number = Date.now(),
): Promise<{ releasedSlot: boolean; customerChanged: boolean }> {
  return db.transaction().execute(async (trx) => {
    // The customer row first (the consent change locks it), then the message: enqueue's lock order.
    const revoked = isMetaOptOut(f.code)
      ? (
          await changeConsent(
            trx,
            { customerId: row.customer_id, channel: row.channel },
            { marketing: "revoked" },
            { source: "meta_opt_out", actor: "system", details: { message_id: row.id, code: f.code } },
            at,
          )
        ).changed.length > 0
      : false;
    const limited = isMarketingLimit(f.code);
    if (limited) {
      await markMarketingLimited(trx, { customerId: row.customer_id, channel: row.channel }, at, {
        actor: "system",
        details: { message_id: row.id, code: f.code },
      });
    }
    const r = await trx
      .updateTable("messages")
      .set({
        status: "failed",
        failed_at: sql`now()`,
        meta_call_at: null,
        error_code: f.code,
        error_title: f.title,
        error_details: f.details,
        error_explanation: f.explanation,
        status_reason: f.reason,
        updated_at: sql`now()`,
        counts_toward_cap: sql`CASE WHEN wamid IS NULL THEN false ELSE counts_toward_cap END`,
      })
      .where("id", "=", row.id)
      .where("status", "=", "sending")
      .returning("counts_toward_cap")
      .executeTakeFirst();
    if (!r) return { releasedSlot: false, customerChanged: revoked || limited };
    await writeAudit(trx, {
      actor: "system",
      action: "message.failed",
      subjectType: "message",
      subjectId: row.id,
      details: {
        code: f.code,
        title: f.title,
        details: f.details,
        reason: f.reason,
        attempts: row.attempts,
        customer_id: row.customer_id,
      },
    });
    await moveCampaignCounters(trx, row.campaign_id, "sending", "failed");
    return { releasedSlot: row.counts_toward_cap && !r.counts_toward_cap, customerChanged: revoked || limited };
  });
}

/** Something changed after enqueue (opt-out, closed window): not sent, cancelled with the reason. */
export async function markCancelled(db: Db, row: ClaimedRow, reasonCode: string, explanation: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable("messages")
      .set({
        status: "cancelled",
        cancelled_at: sql`now()`,
        meta_call_at: null,
        status_reason: reasonCode,
        error_explanation: explanation,
        counts_toward_cap: false,
        updated_at: sql`now()`,
      })
      .where("id", "=", row.id)
      .where("status", "=", "sending")
      .returning("id")
      .executeTakeFirst();
    if (!r) return;
    await writeAudit(trx, {
      actor: "system",
      action: "message.cancelled",
      subjectType: "message",
      subjectId: row.id,
      details: { reason_code: reasonCode, explanation, at: "delivery" },
    });
    await moveCampaignCounters(trx, row.campaign_id, "sending", "cancelled");
  });
}
