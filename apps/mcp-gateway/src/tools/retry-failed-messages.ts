import { z } from "zod";
import { defineTool } from "./define-tool.js";

export const retryFailedMessages = defineTool({
  name: "retry_failed_messages",
  title: "Resend failed messages",
  description:
    "Puts failed outbound messages back in the delivery queue. Each id is checked: only status failed; errors Meta says are permanent (e.g. 131026 undeliverable, 131047 window closed, opt-outs) are skipped with the reason (explain_error tells why); compliance runs again (consent, window, cap, policies). Answers one result per id: retried or skipped with a reason. Follow retried ones with get_delivery_status.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    message_ids: z
      .array(z.string().trim().min(1).max(100))
      .min(1)
      .max(100)
      .describe("1-100 message ids (ours, as returned by the send tools)."),
  },
  output: {
    results: z.array(
      z.object({ message_id: z.string(), status: z.enum(["retried", "skipped"]), reason: z.string().optional() }),
    ),
    retried: z.number().int(),
    skipped: z.number().int(),
  },
  run: async ({ message_ids }, deps) => {
    const unique = [...new Set(message_ids)];
    const results = await deps.messaging.retryFailed(unique, { actor: deps.actor });
    const retried = results.filter((r) => r.status === "retried").length;
    return { results: results.map((r) => ({ ...r })), retried, skipped: results.length - retried };
  },
});
