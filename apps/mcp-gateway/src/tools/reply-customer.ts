import { isRefusal } from "@wa/contract";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, phone } from "./fields.js";
import { fromNumber, outboundFrom, resolveFrom } from "./from-number.js";
import { acceptedShape, sendOut } from "./send-common.js";

export const replyCustomer = defineTool({
  name: "reply_customer",
  title: "Reply to a customer in the open window",
  description:
    'Replies with free-form text to a customer who wrote in the last 24 hours, optionally quoting one of their messages (reply_to_message_id: our message id or the wamid). When the window is shut the answer is WINDOW_CLOSED: send an APPROVED template with send_template instead. Returns message_id for get_delivery_status. When a require_approval policy matches, nothing is sent yet: the answer is status "pending_approval" with approval_id; follow it with get_approval and do not resend meanwhile.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    customer_id: phone("The customer to answer."),
    message_text: z.string().min(1).max(4096).describe("Reply text, 1-4096 characters."),
    reply_to_message_id: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .optional()
      .describe("Message to quote: our id (UUID) or Meta's wamid."),
    from: fromNumber
      .optional()
      .describe(
        "The business number to answer from (phone_number_id or display number): the one the customer wrote to, whose window is open. Omit it for the default number.",
      ),
    channel: channelArg,
  },
  output: acceptedShape,
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const r = await deps.messaging.requestOutbound(
      {
        to: input.customer_id,
        content: {
          type: "text",
          text: input.message_text,
          ...(input.reply_to_message_id ? { reply_to_message_id: input.reply_to_message_id } : {}),
        },
        message_type: "service",
        channel: input.channel,
        from: outboundFrom(from),
      },
      { actor: deps.actor, tool: "reply_customer", windowClosedCode: "WINDOW_CLOSED" },
    );
    return sendOut(r, deps, from);
  },
});
