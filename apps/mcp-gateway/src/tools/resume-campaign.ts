import { resumeCampaign as resume } from "@wa/campaigns";
import { z } from "zod";
import { campaignDeps, campaignId, campaignStatus, progressShape } from "./campaign-common.js";
import { defineTool } from "./define-tool.js";

export const resumeCampaign = defineTool({
  name: "resume_campaign",
  title: "Resume a paused campaign",
  description:
    "Resumes a paused campaign: running again from where it stopped (or back to scheduled when its start time has not come). Finished campaigns answer CAMPAIGN_TERMINAL_STATE; campaigns that are not paused answer INVALID_STATE_TRANSITION. If Meta paused its template, check it with sync_template_status first.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: { campaign_id: campaignId },
  output: {
    campaign_id: z.string(),
    status: z.enum(["running", "scheduled"]),
    from_status: campaignStatus,
    progress: progressShape,
  },
  run: async ({ campaign_id }, deps) => {
    const r = await resume(campaignDeps(deps), campaign_id, { actor: deps.actor });
    if (!r.ok) return r;
    return { campaign_id: r.campaign_id, status: r.status, from_status: r.from_status, progress: r.progress };
  },
});
