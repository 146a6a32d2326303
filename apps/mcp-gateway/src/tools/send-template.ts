import { defineTool } from "./define-tool.js";
import { channelArg, idempotencyKey, locale, phone, templateName, variables } from "./fields.js";
import { acceptedOut, acceptedShape, fromRefused } from "./send-common.js";

export const sendTemplate = defineTool({
  name: "send_template",
  title: "Send an approved template",
  description:
    "Queues an APPROVED WhatsApp template to a customer; works outside the 24 h window. The message takes the template's category (marketing, utility, authentication) and its rules: marketing needs opt-in (NO_OPT_IN) and respects the frequency cap (FREQUENCY_CAP_EXCEEDED with resets_at) and quiet hours (POLICY_RESTRICTION with opens_at); revoked consent gives USER_OPTED_OUT; variables must match the placeholders (TEMPLATE_VARIABLES_MISMATCH). Find templates and their parameter_count with list_templates. Returns message_id for get_delivery_status.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    to: phone("The recipient."),
    template_name: templateName,
    locale: locale.optional().describe('Template language, default "en".'),
    variables: variables.optional(),
    idempotency_key: idempotencyKey.optional(),
    channel: channelArg,
  },
  output: acceptedShape,
  run: async (input, deps) => {
    const r = await deps.messaging.enqueueOutbound(
      {
        to: input.to,
        content: { type: "template", template_name: input.template_name, locale: input.locale ?? "en", variables: input.variables ?? [] },
        message_type: "template",
        channel: input.channel,
        ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
      },
      { actor: "agent", tool: "send_template" },
    );
    return r.ok ? acceptedOut(r) : fromRefused(r);
  },
});
