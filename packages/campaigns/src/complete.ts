import { sql } from "kysely";
import { writeAudit, type Db } from "@wa/db";
import { syncCampaignCounters } from "./counters.js";

/**
 * running → completed once the fan-out is done and none of its messages is still pending
 * (scheduled, queued, sending, retrying). One conditional UPDATE, safe from any replica.
 */
export async function completeIfDone(db: Db, campaignId: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const at = new Date(now);
    const done = await trx
      .updateTable("campaigns")
      .set({ status: "completed", completed_at: at, status_reason: null, updated_at: at })
      .where("id", "=", campaignId)
      .where("status", "=", "running")
      .where("fanout_done", "=", true)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("messages")
              .select(sql`1`.as("one"))
              .where("campaign_id", "=", campaignId)
              .where("status", "in", ["scheduled", "queued", "sending", "retrying"]),
          ),
        ),
      )
      .returning(["id", "enqueued_count", "audience_count"])
      .executeTakeFirst();
    if (!done) return false;
    const counts = await syncCampaignCounters(trx, campaignId);
    await writeAudit(trx, {
      actor: "system",
      action: "campaign.completed",
      subjectType: "campaign",
      subjectId: campaignId,
      details: {
        audience: done.audience_count,
        enqueued: done.enqueued_count,
        sent: counts.sent,
        failed: counts.failed,
        cancelled: counts.cancelled,
      },
    });
    return true;
  });
}
