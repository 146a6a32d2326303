import { isRefusal } from "@wa/contract";
import { defineTool } from "./define-tool.js";
import { channelArg, idempotencyKey, locale, phone, templateName, variables } from "./fields.js";
import { fromNumber, outboundFrom, resolveFrom } from "./from-number.js";
import { acceptedShape, sendOut } from "./send-common.js";
import { partsArgs, templateButtons, templateHeader } from "./template-fields.js";

export const sendTemplate = defineTool({
  name: "send_template",
  title: "Send an approved template",
  description:
    "Queues an APPROVED WhatsApp template to a customer; works outside the 24 h window. The message takes the template's category (marketing, utility, authentication) and its rules: marketing needs opt-in (NO_OPT_IN) and respects the frequency cap (FREQUENCY_CAP_EXCEEDED with resets_at) and quiet hours (POLICY_RESTRICTION with opens_at); marketing to a US number is refused while Meta's US pause holds (POLICY_RESTRICTION, policy_id meta_us_marketing_pause: do not retry; use a utility template if transactional); after Meta's per-user limit (131049) marketing to that customer waits 24 h (MARKETING_LIMITED with resets_at: schedule_message for then); revoked consent gives USER_OPTED_OUT; variables (a list for {{1}}.., a record for named placeholders), header and buttons must match the template's components (TEMPLATE_VARIABLES_MISMATCH names the component and what it expects: fix that part and call again); a bad link or coordinate is INVALID_ARGUMENT; an authentication template to a BSUID is refused with INVALID_PHONE_NUMBER (Meta cannot deliver it): send it to the customer's phone number. Find templates, their parameter_count and components with list_templates. Returns message_id for get_delivery_status. When a require_approval policy matches, nothing is sent yet: the answer is status \"pending_approval\" with approval_id; follow it with get_approval and do not resend meanwhile.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    to: phone("The recipient."),
    template_name: templateName,
    locale: locale.optional().describe('Template language, default "en".'),
    variables: variables.optional(),
    header: templateHeader.optional(),
    buttons: templateButtons.optional(),
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
          type: "template",
          template_name: input.template_name,
          locale: input.locale ?? "en",
          variables: input.variables ?? [],
          ...partsArgs(input),
        },
        message_type: "template",
        channel: input.channel,
        from: outboundFrom(from),
        ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
      },
      { actor: deps.actor, tool: "send_template" },
    );
    return sendOut(r, deps, from);
  },
});
