import { isRefusal } from "@wa/contract";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { fromNumber, fromOut, fromShape, outboundFrom, resolveFrom } from "./from-number.js";
import { approvalShape, pendingOut } from "./send-common.js";
import { channelArg, locale, messageType, phone, rfc3339, templateName, variables } from "./fields.js";
import { partsArgs, templateButtons, templateHeader } from "./template-fields.js";

const content = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("text"), text: z.string().min(1).max(4096) }),
    z.strictObject({
      type: z.literal("template"),
      template_name: templateName,
      locale: locale.optional(),
      variables: variables.optional(),
      header: templateHeader.optional(),
      buttons: templateButtons.optional(),
    }),
  ])
  .describe(
    '{"type":"text","text":"…"} (service; needs an open window at delivery) or {"type":"template","template_name":"…","locale":"en","variables":[…],"header":{…}?,"buttons":[…]?} (header and buttons as in send_template).',
  );

export const scheduleMessage = defineTool({
  name: "schedule_message",
  title: "Schedule a message for later",
  description:
    'Schedules one message for deliver_at (RFC 3339, in the future, at most 30 days ahead). Consent, the number and the template\'s existence and variables are checked now (USER_OPTED_OUT, NO_OPT_IN, TEMPLATE_NOT_FOUND, TEMPLATE_VARIABLES_MISMATCH…), and a template Meta paused or disabled for low quality is refused now (TEMPLATE_NOT_APPROVED: use another APPROVED template); quiet hours and the frequency cap are evaluated against deliver_at, and the answer says when it will really go (expected_send_at, with held_by when quiet hours or the cap push it later). Everything is checked again when it is due: quiet hours or the cap then hold it until it may go; a message that can no longer go (opt-out, closed window for free-form text) is cancelled with its reason code (see get_delivery_status). Use it for a capped customer after resets_at or to wait out quiet hours. When a require_approval policy matches, nothing is sent yet: the answer is status "pending_approval" with approval_id; follow it with get_approval and do not resend meanwhile.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    customer_id: phone("The recipient."),
    message_type: messageType,
    content,
    deliver_at: rfc3339("When to send (RFC 3339, future, ≤ 30 days ahead)."),
    from: fromNumber.optional(),
    channel: channelArg,
  },
  output: {
    message_id: z.string().nullable().describe("null while pending_approval"),
    status: z.string().describe('"scheduled", or "pending_approval"'),
    ...approvalShape,
    deliver_at: z.string(),
    category: z.enum(["marketing", "utility", "authentication", "service"]),
    customer_id: z.string(),
    from: fromShape,
    expected_send_at: z
      .string()
      .describe("When it will really go as things stand: deliver_at, or later when quiet hours or the cap hold it."),
    held_by: z
      .object({ reason_code: z.string(), human_explanation: z.string() })
      .optional()
      .describe(
        "Why expected_send_at is later than deliver_at (quiet hours: POLICY_RESTRICTION; the cap: FREQUENCY_CAP_EXCEEDED).",
      ),
    warning: z
      .object({ reason_code: z.string(), human_explanation: z.string(), suggested_action: z.string() })
      .optional()
      .describe(
        "A check that would fail at deliver_at as things stand now (e.g. the window closed for free-form text): it will be cancelled then unless that changes.",
      ),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const c = input.content;
    const r = await deps.messaging.requestOutbound(
      {
        to: input.customer_id,
        content:
          c.type === "text"
            ? { type: "text", text: c.text }
            : {
                type: "template",
                template_name: c.template_name,
                locale: c.locale ?? "en",
                variables: c.variables ?? [],
                ...partsArgs(c),
              },
        message_type: input.message_type,
        channel: input.channel,
        from: outboundFrom(from),
        deliver_at: input.deliver_at,
      },
      { actor: deps.actor, tool: "schedule_message" },
    );
    if (!r.ok) return r;
    if (r.status === "pending_approval") {
      const { message_id, status, approval_id, expires_at, category, customer_id } = pendingOut(r, from);
      return {
        message_id,
        status,
        approval_id,
        expires_at,
        category,
        customer_id,
        from: fromOut(from),
        deliver_at: input.deliver_at,
        expected_send_at: input.deliver_at,
      };
    }
    const deliverAt = r.deliver_at ?? input.deliver_at;
    const base = {
      approval_id: null,
      expires_at: null,
      message_id: r.message_id,
      status: r.status,
      deliver_at: deliverAt,
      category: r.category,
      customer_id: r.customer_id,
      from: fromOut(from),
    };
    // Quiet hours and the cap at deliver_at (not now): the scheduler holds the message until they pass.
    const at = await deps.compliance.evaluate(
      {
        customer_id: r.customer_id,
        channel: from.channel,
        phone_number_id: from.phoneNumberId,
        message_type: c.type === "text" ? r.category : "template",
        ...(c.type === "template"
          ? {
              template_name: c.template_name,
              locale: c.locale ?? "en",
              variables: c.variables ?? [],
              ...partsArgs(c),
            }
          : {}),
      },
      Date.parse(deliverAt),
    );
    if (at.allowed) return { ...base, expected_send_at: deliverAt };
    const until =
      at.reason_code === "FREQUENCY_CAP_EXCEEDED" || at.reason_code === "MARKETING_LIMITED"
        ? at.resets_at
        : at.reason_code === "POLICY_RESTRICTION"
          ? at.opens_at
          : undefined;
    if (until)
      return {
        ...base,
        expected_send_at: until,
        held_by: { reason_code: at.reason_code, human_explanation: at.human_explanation },
      };
    return {
      ...base,
      expected_send_at: deliverAt,
      warning: {
        reason_code: at.reason_code,
        human_explanation: at.human_explanation,
        suggested_action: at.suggested_action,
      },
    };
  },
});
