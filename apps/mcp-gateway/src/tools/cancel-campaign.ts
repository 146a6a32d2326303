import { cancelCampaign as cancel } from "@wa/campaigns";
import { z } from "zod";
import { campaignDeps, campaignId, campaignStatus } from "./campaign-common.js";
import { defineTool } from "./define-tool.js";
import { readableText } from "./fields.js";

export const cancelCampaign = defineTool({
  name: "cancel_campaign",
  title: "Cancel a campaign for good",
  description:
    "Cancels a scheduled, running or paused campaign for good: the fan-out stops and its messages not yet handed to Meta are cancelled (their frequency slots are freed). Cannot be undone; to stop temporarily use pause_campaign. Completed, cancelled or failed campaigns answer CAMPAIGN_TERMINAL_STATE.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    campaign_id: campaignId,
    reason: readableText(500, "a cancel reason")
      .optional()
      .describe("Why, for the audit log and get_campaign's status_reason."),
  },
  output: {
    campaign_id: z.string(),
    status: z.literal("cancelled"),
    from_status: campaignStatus,
    messages_cancelled: z.number().int().describe("queued or scheduled messages that will not be sent"),
  },
  run: async ({ campaign_id, reason }, deps) => {
    const r = await cancel(campaignDeps(deps), campaign_id, { actor: deps.actor, reason });
    if (!r.ok) return r;
    return {
      campaign_id: r.campaign_id,
      status: r.status,
      from_status: r.from_status,
      messages_cancelled: r.messages_cancelled,
    };
  },
});
