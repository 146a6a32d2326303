import { isRefusal } from "@wa/contract";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, idempotencyKey, phone } from "./fields.js";
import { fromNumber, outboundFrom, resolveFrom } from "./from-number.js";
import { acceptedShape, sendOut } from "./send-common.js";

export const sendMessage = defineTool({
  name: "send_message",
  title: "Send a free-form text message",
  description:
    'Queues a free-form WhatsApp text (a service message, free of charge) to a customer. Only allowed inside the 24 h customer service window opened by the customer\'s last message; outside it the answer is TEMPLATE_REQUIRED: use send_template with an APPROVED template instead. Also refused for an invalid number or by a business policy (POLICY_RESTRICTION). Returns message_id; follow it with get_delivery_status. When a require_approval policy matches, nothing is sent yet: the answer is status "pending_approval" with approval_id; follow it with get_approval and do not resend meanwhile.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    to: phone("The recipient."),
    text: z.string().min(1).max(4096).describe("Message text, 1-4096 characters."),
    preview_url: z.boolean().optional().describe("Show a link preview for the first URL in the text."),
    idempotency_key: idempotencyKey.optional(),
    from: fromNumber.optional(),
    channel: channelArg,
  },
  output: acceptedShape,
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const r = await deps.messaging.requestOutbound(
      {
        to: input.to,
        content: {
          type: "text",
          text: input.text,
          ...(input.preview_url !== undefined ? { preview_url: input.preview_url } : {}),
        },
        message_type: "service",
        channel: input.channel,
        from: outboundFrom(from),
        ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
      },
      { actor: deps.actor, tool: "send_message" },
    );
    return sendOut(r, deps, from);
  },
});
