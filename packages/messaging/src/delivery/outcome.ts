import { moveCampaignCounters, writeAudit, type Db } from "@wa/db";
import { explainMetaError, explainMetaFailure, type MetaError } from "@wa/meta";
import { changeConsent, markMarketingLimited } from "@wa/state";
import { sql } from "kysely";
import type { ClaimedRow } from "./types.js";

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
