import { campaignTriggerPublisher, type CampaignControlDeps } from "@wa/campaigns";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";

/** Campaign control over the gateway's clients; with NATS down the worker's sweeper publishes instead. */
export function campaignDeps(deps: ToolDeps): CampaignControlDeps {
  return {
    db: deps.db,
    now: deps.now,
    log: deps.log,
    throughputMps: deps.cfg.THROUGHPUT_MPS,
    publishTrigger: async (campaignId, run) => {
      const js = deps.bus.js();
      if (js) await campaignTriggerPublisher(js, deps.bus.names)(campaignId, run);
    },
    // Cancelled messages gave their cap slot back in Postgres; drop the customers' Redis copies too.
    onMessagesCancelled: async (cancelled) => {
      for (const m of cancelled)
        if (m.heldSlot) await deps.state.invalidate({ customerId: m.customerId, channel: m.channel });
    },
  };
}

export const campaignId = z
  .string()
  .min(1)
  .max(100)
  .describe("The campaign_id returned by schedule_campaign.")
  .transform((s) => s.trim());

export const campaignStatus = z.enum(["scheduled", "running", "paused", "completed", "cancelled", "failed"]);

export const progressShape = z.object({
  pct: z.number().describe("0-100: share of the audience with a final outcome"),
  fanout_done: z.boolean(),
  visited: z.number().int().describe("recipients handled so far (enqueued + skipped)"),
  pending: z.number().int().describe("campaign messages not yet handed to Meta"),
  held_for_quiet_hours: z.number().int(),
  eta: z.string().nullable().describe("RFC 3339 estimate of completion; null when unknown or finished"),
  waiting: z
    .object({
      reason: z.string(),
      tier: z.string(),
      limit: z.number(),
      used: z.number(),
      resumes_at: z.string().nullable(),
      explanation: z.string(),
    })
    .nullable()
    .describe("why a running campaign is not moving (Meta's messaging limit)"),
});
