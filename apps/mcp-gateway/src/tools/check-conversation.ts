import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg, phone } from "./fields.js";
import { eligibility, eligibilityOf, isoOrNull } from "./shapes.js";
import { customerKey } from "./customer-key.js";

export const checkConversation = defineTool({
  name: "check_conversation",
  title: "Is the 24 h window open?",
  description:
    "Shows a customer's 24-hour customer service window: open or not, seconds left, when it expires, last inbound and outbound times, and whether marketing and utility templates may be sent now. While the window is open you may send free-form text (send_message, reply_customer); when it is closed only templates (send_template).",
  annotations: READ_ONLY,
  input: { customer_id: phone("The customer."), channel: channelArg },
  output: {
    customer_id: z.string(),
    channel: z.string(),
    conversation_id: z.string().nullable().describe("the active conversation (for archive_chat), if any"),
    window_open: z.boolean(),
    time_remaining_secs: z.number().int(),
    window_expires_at: z.string().nullable(),
    last_inbound_at: z.string().nullable(),
    last_outbound_at: z.string().nullable(),
    conversation_type: z.string().nullable(),
    marketing_eligibility: eligibility,
    utility_eligibility: eligibility,
  },
  run: async ({ customer_id, channel }, deps) => {
    const [w, e] = await Promise.all([
      deps.state.getWindow(await customerKey(deps, customer_id, channel)),
      deps.compliance.eligibility(customer_id, channel),
    ]);
    return {
      customer_id,
      channel,
      conversation_id: w.conversationId,
      window_open: w.open,
      time_remaining_secs: Math.floor(w.remainingMs / 1000),
      window_expires_at: isoOrNull(w.expiresAt),
      last_inbound_at: isoOrNull(w.lastInboundAt),
      last_outbound_at: isoOrNull(w.lastOutboundAt),
      conversation_type: w.conversationType,
      marketing_eligibility: eligibilityOf(e.marketing),
      utility_eligibility: eligibilityOf(e.utility),
    };
  },
});
