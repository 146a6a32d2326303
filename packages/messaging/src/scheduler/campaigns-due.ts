import { publishCampaignTrigger } from "@wa/bus";
import type { SchedulerDeps } from "./types.js";

/**
 * Due campaigns → whatsapp.campaigns.trigger `{ campaign_id, run }` (msgId `<id>:<run>`, so the stream drops
 * repeats and the campaign worker's own sweeper copy). The status is the campaign worker's to change.
 */
export async function publishDueCampaigns(d: SchedulerDeps): Promise<number> {
  const now = d.now ?? Date.now;
  const due = await d.db
    .selectFrom("campaigns")
    .select(["id", "run"])
    .where("status", "=", "scheduled")
    .where("scheduled_at", "<=", new Date(now()))
    .orderBy("scheduled_at")
    .limit(100)
    .execute();
  let sent = 0;
  await Promise.all(
    due.map((c) =>
      publishCampaignTrigger(
        d.js,
        d.names,
        { campaign_id: c.id, run: c.run },
        { timeoutMs: d.publishTimeoutMs ?? 1000 },
      )
        .then((r) => void (sent += r.duplicate ? 0 : 1))
        .catch((err: unknown) =>
          d.log.warn({ err, campaign_id: c.id }, "campaign trigger publish failed; retried next tick"),
        ),
    ),
  );
  return sent;
}
