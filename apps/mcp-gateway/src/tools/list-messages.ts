import { refuse, isRefusal } from "@wa/contract";
import { z } from "zod";
import { conversationMessages, messageItem, messageOf, toItem, type Before } from "../messages/view.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg, phone } from "./fields.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export const listMessages = defineTool({
  name: "list_messages",
  title: "Read a conversation",
  description:
    "The messages of one conversation, newest first, both directions: type, content (text; caption and media_id of images, videos, audio, documents and stickers — fetch the file with get_media; reply_id and title of a tapped button or list row; location; reaction; contacts), status and timestamps. Page older messages with before = next_before. NOT_FOUND: this customer never wrote and was never messaged; check the number.",
  annotations: READ_ONLY,
  input: {
    customer_id: phone("The customer whose conversation to read."),
    limit: z.number().int().min(1).max(100).default(20).describe("Messages per page, 1-100 (default 20)."),
    before: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe(
        "Only messages older than this: a message_id or wamid of this conversation (next_before of the previous page), or an RFC 3339 time.",
      ),
    from: fromNumber
      .optional()
      .describe(
        "A business number (phone_number_id or display number): the conversation with its business, on every number of that business. Omit it for the default number's business.",
      ),
    channel: channelArg,
  },
  output: {
    customer_id: z.string(),
    from: fromShape,
    messages: z.array(messageItem),
    next_before: z.string().nullable().describe("Pass as before for the next (older) page; null on the last page."),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const customerId = input.customer_id;
    const known = await deps.db
      .selectFrom("customers")
      .select("customer_id")
      .where("channel", "=", from.channel)
      .where("customer_id", "=", customerId)
      .executeTakeFirst();
    if (!known)
      return refuse(
        "NOT_FOUND",
        `No conversation with ${customerId}: they never wrote and were never messaged.`,
        "Check the number (with country code), or list_conversations for the customers who wrote.",
      );
    let before: Before = null;
    if (input.before !== undefined) {
      const ref = input.before.trim();
      if (RFC3339.test(ref)) before = { at: new Date(ref) };
      else {
        const id = await messageOf(deps.db, customerId, ref, from.channel);
        if (id === null)
          return refuse(
            "INVALID_ARGUMENT",
            `before: "${ref.slice(0, 80)}" is neither a message of this conversation nor an RFC 3339 time.`,
            "Pass next_before from the previous list_messages answer, or omit before for the newest messages.",
          );
        before = { messageId: id };
      }
    }
    const rows = await conversationMessages(deps.db, customerId, input.limit, before, from.channel);
    const last = rows.at(-1);
    return {
      customer_id: customerId,
      from: fromOut(from),
      messages: rows.map(toItem),
      next_before: rows.length === input.limit && last ? last.id : null,
    };
  },
});
