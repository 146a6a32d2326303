import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, locale, messageType, phone, rfc3339, templateName, variables } from "./fields.js";
import { fromRefused } from "./send-common.js";

const content = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("text"), text: z.string().min(1).max(4096) }),
    z.strictObject({ type: z.literal("template"), template_name: templateName, locale: locale.optional(), variables: variables.optional() }),
  ])
  .describe('{"type":"text","text":"…"} (service; needs an open window at delivery) or {"type":"template","template_name":"…","locale":"en","variables":[…]}.');

export const scheduleMessage = defineTool({
  name: "schedule_message",
  title: "Schedule a message for later",
  description:
    "Schedules one message for deliver_at (RFC 3339, in the future, at most 30 days ahead). Consent, the number and the template's existence and variables are checked now (USER_OPTED_OUT, NO_OPT_IN, TEMPLATE_NOT_FOUND, TEMPLATE_VARIABLES_MISMATCH…); everything (window, frequency cap, quiet hours, approval) is checked again when it is due, and a message that no longer passes is not sent (see get_delivery_status). Use it for a capped customer after resets_at or to wait out quiet hours.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    customer_id: phone("The recipient."),
    message_type: messageType,
    content,
    deliver_at: rfc3339("When to send (RFC 3339, future, ≤ 30 days ahead)."),
    channel: channelArg,
  },
  output: {
    message_id: z.string(),
    status: z.string().describe('"scheduled"'),
    deliver_at: z.string(),
    category: z.enum(["marketing", "utility", "authentication", "service"]),
    customer_id: z.string(),
  },
  run: async (input, deps) => {
    const c = input.content;
    const r = await deps.messaging.enqueueOutbound(
      {
        to: input.customer_id,
        content: c.type === "text" ? { type: "text", text: c.text } : { type: "template", template_name: c.template_name, locale: c.locale ?? "en", variables: c.variables ?? [] },
        message_type: input.message_type,
        channel: input.channel,
        deliver_at: input.deliver_at,
      },
      { actor: "agent", tool: "schedule_message" },
    );
    if (!r.ok) return fromRefused(r);
    return { message_id: r.message_id, status: r.status, deliver_at: r.deliver_at ?? input.deliver_at, category: r.category, customer_id: r.customer_id };
  },
});
