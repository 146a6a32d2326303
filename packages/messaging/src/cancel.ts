import { refuse } from "@wa/contract";
import { moveCampaignCounters, writeAudit, type MessageStatus } from "@wa/db";
import { sql } from "kysely";
import { withTxRetry } from "./tx-retry.js";
import type { CancelOptions, CancelResult, MessagingOptions } from "./types.js";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CANCELLABLE: readonly MessageStatus[] = ["scheduled", "queued", "retrying"];

/** Cancels a message we have not handed to Meta yet; `sending` is in flight and cannot be stopped. */
export function createCancel(o: MessagingOptions) {
  return async function cancelMessage(messageId: string, opts: CancelOptions): Promise<CancelResult> {
    if (!UUID.test(messageId))
      return refuse(
        "NOT_FOUND",
        `No message has id "${messageId}".`,
        "Pass a message_id returned by send_message, send_template or schedule_message.",
      );
    const r = await withTxRetry(o.db, async (trx) => {
      const row = await trx
        .selectFrom("messages")
        .select(["id", "status", "channel", "customer_id", "counts_toward_cap", "campaign_id"])
        .where("id", "=", messageId)
        .where("direction", "=", "outbound")
        .forUpdate()
        .executeTakeFirst();
      if (!row) return null;
      if (!CANCELLABLE.includes(row.status)) return { row, done: false };
      await trx
        .updateTable("messages")
        .set({
          status: "cancelled",
          cancelled_at: sql`now()`,
          counts_toward_cap: false,
          status_reason: opts.reason ?? "cancelled",
          updated_at: sql`now()`,
        })
        .where("id", "=", messageId)
        .execute();
      await writeAudit(trx, {
        actor: opts.actor,
        action: "message.cancelled",
        subjectType: "message",
        subjectId: messageId,
        details: { from_status: row.status, reason: opts.reason ?? null },
      });
      await moveCampaignCounters(trx, row.campaign_id, row.status, "cancelled");
      return { row, done: true };
    });
    if (!r)
      return refuse("NOT_FOUND", `No outbound message has id ${messageId}.`, "Check the id with get_delivery_status.");
    if (!r.done) {
      return refuse(
        "INVALID_STATE_TRANSITION",
        `Message ${messageId} is ${r.row.status}; only scheduled, queued or retrying messages can be cancelled.`,
        "Check its progress with get_delivery_status.",
      );
    }
    if (r.row.counts_toward_cap)
      await o.state.invalidate({ customerId: r.row.customer_id, channel: r.row.channel }).catch(() => {});
    return { ok: true, message_id: messageId, status: "cancelled", from_status: r.row.status };
  };
}
