import { isRefusal } from "@wa/contract";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg, phone } from "./fields.js";
import { eligibility, eligibilityOf, isoOrNull } from "./shapes.js";
import { customerKey } from "./customer-key.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

export const checkConversation = defineTool({
  name: "check_conversation",
  title: "Is the 24 h window open?",
  description:
    "Shows a customer's 24-hour customer service window: open or not, seconds left, when it expires, last inbound and outbound times, and whether marketing and utility templates may be sent now. While the window is open you may send free-form text (send_message, reply_customer); when it is closed only templates (send_template).",
  annotations: READ_ONLY,
  input: {
    customer_id: phone("The customer."),
    from: fromNumber
      .optional()
      .describe(
        "The business number whose window to show (phone_number_id or display number): a window is with one number. Omit it for the default number.",
      ),
    channel: channelArg,
  },
  output: {
    customer_id: z.string(),
    channel: z.string(),
    from: fromShape,
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
  run: async ({ customer_id, channel, ...input }, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const [w, e] = await Promise.all([
      deps.state.getWindow(await customerKey(deps, customer_id, from)),
      deps.compliance.eligibility(customer_id, from.channel, from.phoneNumberId),
    ]);
    return {
      customer_id,
      channel,
      from: fromOut(from),
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
