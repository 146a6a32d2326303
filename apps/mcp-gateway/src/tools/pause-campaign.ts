import { pauseCampaign as pause } from "@wa/campaigns";
import { z } from "zod";
import { campaignDeps, campaignId, campaignStatus, progressShape } from "./campaign-common.js";
import { defineTool } from "./define-tool.js";

export const pauseCampaign = defineTool({
  name: "pause_campaign",
  title: "Pause a campaign",
  description:
    "Pauses a scheduled or running campaign: the fan-out stops after the page in progress; messages already queued still go. Resume later with resume_campaign (it continues where it stopped, nobody gets it twice). Other states answer INVALID_STATE_TRANSITION.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: { campaign_id: campaignId },
  output: {
    campaign_id: z.string(),
    status: z.literal("paused"),
    from_status: campaignStatus,
    progress: progressShape,
  },
  run: async ({ campaign_id }, deps) => {
    const r = await pause(campaignDeps(deps), campaign_id, { actor: deps.actor });
    if (!r.ok) return r;
    return { campaign_id: r.campaign_id, status: r.status, from_status: r.from_status, progress: r.progress };
  },
});
