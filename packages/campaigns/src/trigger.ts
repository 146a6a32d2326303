import {
  backoffMs,
  campaignTriggerEnvelope,
  publishCampaignTrigger,
  verdict,
  type BusNames,
  type Handler,
  type JetStreamClient,
} from "@wa/bus";
import type { PublishTrigger } from "./control.js";
import { runFanOut, type FanOutDeps } from "./fan-out.js";

const FAULT_BACKOFF_MS = [1_000, 5_000, 15_000];
const MAX_NAK_DELAY_MS = 110_000; // below the campaign stream's 2 min duplicate window

/** PublishTrigger over JetStream: whatsapp.campaigns.trigger with Nats-Msg-Id `<campaign_id>:<run>`. */
export function campaignTriggerPublisher(js: JetStreamClient, names: BusNames): PublishTrigger {
  return async (campaignId, run) => {
    await publishCampaignTrigger(js, names, { campaign_id: campaignId, run });
  };
}

/** The campaign-workers handler: one trigger = one run of the fan-out; every answer is a verdict. */
export function createTriggerHandler(deps: FanOutDeps & { readonly signal?: AbortSignal }): Handler {
  return async (ctx) => {
    const { campaign_id, run } = ctx.json(campaignTriggerEnvelope);
    const r = await runFanOut(deps, {
      campaignId: campaign_id,
      run,
      working: () => ctx.working(),
      signal: deps.signal,
    });
    const fields = { campaign_id, run };
    switch (r.outcome) {
      case "done":
        deps.log.info({ ...fields, completed: r.completed }, "campaign fan-out done");
        return verdict.ack();
      case "stopped":
        deps.log.info({ ...fields, status: r.status }, "campaign fan-out stopped");
        return verdict.ack();
      case "waiting":
      case "stale":
      case "not_found":
        deps.log.info({ ...fields, outcome: r.outcome }, "campaign trigger settled");
        return verdict.ack();
      case "not_due":
        // Far-off triggers are dropped: the scheduler (and the sweeper) publish again when it is due.
        return r.afterMs <= MAX_NAK_DELAY_MS ? verdict.retry(r.afterMs) : verdict.ack();
      case "interrupted":
        return verdict.retry(500);
      case "fault":
        deps.log.error({ ...fields, err: r.error }, "campaign fan-out page failed; retrying from the cursor");
        return verdict.retry(backoffMs(ctx.deliveryCount, FAULT_BACKOFF_MS));
      default:
        return r satisfies never;
    }
  };
}
