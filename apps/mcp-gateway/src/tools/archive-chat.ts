import { z } from "zod";
import { defineTool } from "./define-tool.js";

export const archiveChat = defineTool({
  name: "archive_chat",
  title: "Archive a finished conversation",
  description:
    "Archives a conversation whose 24 h window has closed, so it leaves the default list_conversations view. Refused with CONVERSATION_ACTIVE while the window is open (the customer may still be waiting for a reply). Archiving twice is harmless; a new customer message starts a new conversation.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    conversation_id: z
      .string()
      .min(1)
      .max(100)
      .describe("The conversation id from list_conversations or check_conversation."),
  },
  output: {
    conversation_id: z.string(),
    status: z.literal("archived"),
    from_type: z.string().describe("the conversation type it had (customer_service or free_entry_point)"),
  },
  run: async ({ conversation_id }, deps) => {
    const r = await deps.state.archiveConversation(conversation_id.trim(), deps.actor);
    if (!r.ok) return r;
    return { conversation_id: r.conversation.id, status: "archived" as const, from_type: r.fromType };
  },
});
