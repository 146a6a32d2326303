import { isRefusal, refuse } from "@wa/contract";
import { writeAudit } from "@wa/db";
import { findMessage } from "@wa/messaging";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { fromOut, fromShape, numberOfMessage } from "./from-number.js";
import { metaRefusal } from "./shapes.js";

export const markRead = defineTool({
  name: "mark_read",
  title: "Mark a customer's message as read",
  description:
    "Shows the customer blue ticks on their message (and earlier ones), and with typing_indicator: true a typing bubble until the reply goes or 25 s pass. Not a message: no window or consent needed, nothing is charged. It is marked by the business number the message was received on (answered as from). message_id: an inbound message's id (UUID) or wamid; unknown or one of our own messages → NOT_FOUND / INVALID_ARGUMENT. Meta's refusal comes back as META_API_ERROR with its explanation.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: {
    message_id: z.string().trim().min(1).max(256).describe("The customer's message: our id (UUID) or its wamid."),
    typing_indicator: z.boolean().default(false).describe("Also show a typing indicator (until the reply or 25 s)."),
  },
  output: {
    message_id: z.string().describe("our id of the inbound message"),
    wamid: z.string(),
    customer_id: z.string(),
    typing_indicator: z.boolean(),
    from: fromShape.describe("the business number the message was received on, which marked it read"),
  },
  run: async (input, deps) => {
    const m = await findMessage(deps.db, input.message_id);
    if (!m?.wamid)
      return refuse(
        "NOT_FOUND",
        `No received message ${input.message_id}.`,
        "Pass the id or wamid of a message the customer sent (list_messages).",
      );
    if (m.direction !== "inbound")
      return refuse(
        "INVALID_ARGUMENT",
        `message_id: ${input.message_id} is a message we sent; only the customer's messages can be marked read.`,
        "Pass the id of the customer's message you are answering.",
      );
    // Only the number it was written to knows the wamid, and only its WABA's token may call that number.
    const from = numberOfMessage(deps, m);
    if (isRefusal(from)) return from;
    const r = await deps.graph.of(from).meta.markRead({
      messageId: m.wamid,
      typingIndicator: input.typing_indicator,
      phoneNumberId: from.phoneNumberId,
    });
    if (!r.ok) return metaRefusal(r.error, `Meta did not mark ${m.wamid} read`);
    await writeAudit(deps.db, {
      actor: deps.actor,
      action: "message.marked_read",
      subjectType: "message",
      subjectId: m.id,
      details: {
        customer_id: m.customer_id,
        wamid: m.wamid,
        typing_indicator: input.typing_indicator,
        phone_number_id: from.phoneNumberId,
        tool: "mark_read",
      },
    });
    return {
      message_id: m.id,
      wamid: m.wamid,
      customer_id: m.customer_id,
      typing_indicator: input.typing_indicator,
      from: fromOut(from),
    };
  },
});
