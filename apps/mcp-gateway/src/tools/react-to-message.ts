import { refuse, isRefusal } from "@wa/contract";
import { findMessage } from "@wa/messaging";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, idempotencyKey } from "./fields.js";
import { fromNumber, numberOfMessage, outboundFrom, resolveFrom } from "./from-number.js";
import { acceptedShape, sendOut } from "./send-common.js";

export const reactToMessage = defineTool({
  name: "react_to_message",
  title: "React to a message with an emoji",
  description:
    'Puts one emoji reaction on a message of a conversation (the customer\'s or ours), or removes ours with emoji "". A reaction is a service message: when the 24 h window is shut the answer is WINDOW_CLOSED (a template cannot carry a reaction; wait for the customer to write). message_id: our id (UUID) or the wamid; unknown or not yet sent → NOT_FOUND. More than one emoji, or text, → INVALID_ARGUMENT. Returns message_id of the reaction for get_delivery_status. When a require_approval policy matches, nothing is sent yet: the answer is status "pending_approval" with approval_id; follow it with get_approval and do not resend meanwhile.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    message_id: z.string().trim().min(1).max(256).describe("The message to react to: our id (UUID) or Meta's wamid."),
    emoji: z.string().max(64).describe('Exactly one emoji, e.g. "👍"; "" removes the reaction.'),
    idempotency_key: idempotencyKey.optional(),
    from: fromNumber
      .optional()
      .describe(
        "The business number to react from (phone_number_id or display number). Omit it: the number the message was sent from or received on.",
      ),
    channel: channelArg,
  },
  output: acceptedShape,
  run: async (input, deps) => {
    const target = await findMessage(deps.db, input.message_id);
    if (!target?.wamid)
      return refuse(
        "NOT_FOUND",
        target
          ? `Message ${input.message_id} has no WhatsApp id yet (not accepted by Meta), so it cannot be reacted to.`
          : `No message ${input.message_id} in any conversation.`,
        "Pass the id of a message that was received or sent (list_messages / get_delivery_status).",
      );
    // A reaction goes from the number of the message's conversation: another number does not know its wamid.
    const from = input.from === undefined ? numberOfMessage(deps, target) : await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const r = await deps.messaging.requestOutbound(
      {
        to: target.customer_id,
        content: { type: "reaction", message_id: target.wamid, emoji: input.emoji },
        message_type: "service",
        channel: input.channel,
        from: outboundFrom(from),
        ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
      },
      { actor: deps.actor, tool: "react_to_message", windowClosedCode: "WINDOW_CLOSED" },
    );
    return sendOut(r, deps, from);
  },
});
