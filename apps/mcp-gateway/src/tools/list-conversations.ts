import { isRefusal } from "@wa/contract";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg, limit, offset } from "./fields.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

const item = z.object({
  conversation_id: z.string(),
  customer_id: z.string(),
  phone_number_id: z.string().nullable().describe("the business number this window is with"),
  status: z.enum(["active", "archived"]),
  conversation_type: z.string(),
  window_open: z.boolean(),
  time_remaining_secs: z.number().int(),
  window_expires_at: z.string(),
  opened_at: z.string(),
  last_inbound_at: z.string(),
  last_outbound_at: z.string().nullable(),
  archived_at: z.string().nullable(),
});

export const listConversations = defineTool({
  name: "list_conversations",
  title: "List conversations",
  description:
    "Lists customer conversations and their 24 h windows. status_filter: open (window open: free-form replies allowed), expiring_soon (closes within 2 h: reply now or lose free-form), closed (window shut: templates only; archivable), archived; omitted = every non-archived one. Paged with limit/offset.",
  annotations: READ_ONLY,
  input: {
    status_filter: z
      .enum(["open", "closed", "expiring_soon", "archived"])
      .optional()
      .describe("Omit for all non-archived conversations."),
    limit,
    offset,
    from: fromNumber
      .optional()
      .describe(
        "Only the windows with this business number (phone_number_id or display number). Omit it for every number of the default number's business.",
      ),
    channel: channelArg,
  },
  output: {
    from: fromShape.nullable().describe("the number filtered on; null: every number of the default business"),
    conversations: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const filter = input.from === undefined ? {} : { phoneNumberId: from.phoneNumberId };
    const r = await deps.state.listConversations(
      { status: input.status_filter, channel: from.channel, ...filter },
      input.limit,
      input.offset,
    );
    return {
      from: input.from === undefined ? null : fromOut(from),
      conversations: r.conversations.map((c) => ({
        conversation_id: c.id,
        customer_id: c.customerId,
        phone_number_id: c.phoneNumberId,
        status: c.status,
        conversation_type: c.conversationType,
        window_open: c.windowOpen,
        time_remaining_secs: Math.floor(c.remainingMs / 1000),
        window_expires_at: c.windowExpiresAt.toISOString(),
        opened_at: c.openedAt.toISOString(),
        last_inbound_at: c.lastInboundAt.toISOString(),
        last_outbound_at: c.lastOutboundAt?.toISOString() ?? null,
        archived_at: c.archivedAt?.toISOString() ?? null,
      })),
      total: r.total,
      limit: input.limit,
      offset: input.offset,
    };
  },
});
