import { z } from "zod";
import { refuse, isRefusal } from "@wa/contract";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg, locale, messageType, phone, templateName } from "./fields.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

export const checkCompliance = defineTool({
  name: "check_compliance",
  title: "May I send this message?",
  description:
    "Asks the compliance engine whether a planned message to a customer may go, without sending or reserving anything. Rules in order: valid number, consent not revoked, marketing opt-in, 24 h window for free-form (service) messages, template approved, marketing frequency cap, business policies (quiet hours, segments). Answers allowed true, or (as an isError result) allowed false with reason_code, a human explanation, the suggested action (which tool to use instead) and every check. Call it before send_message, send_template or schedule_message.",
  annotations: READ_ONLY,
  input: {
    customer_id: phone("The recipient."),
    message_type: messageType,
    template_name: templateName
      .optional()
      .describe("Template to send (required for message_type template; checks it is APPROVED)."),
    locale: locale.optional().describe('Template language, default "en".'),
    from: fromNumber
      .optional()
      .describe(
        "The business number you would send from (phone_number_id or display number): the window is with it, consent and caps are its business's. Omit it for the default number.",
      ),
    channel: channelArg,
  },
  output: {
    allowed: z.boolean(),
    reason_code: z.string().optional().describe("why not, when allowed is false"),
    human_explanation: z.string(),
    suggested_action: z.string(),
    checks: z.array(z.object({ rule: z.string(), passed: z.boolean(), detail: z.string() })),
    category: z.string().nullable().describe("resolved message category (a template's own category)"),
    customer_id: z.string().nullable(),
    from: fromShape,
    resets_at: z
      .string()
      .optional()
      .describe(
        "FREQUENCY_CAP_EXCEEDED: when the next marketing slot frees; MARKETING_LIMITED: when Meta's limit ends",
      ),
    opens_at: z.string().optional().describe("quiet hours: when sending reopens"),
    policy_id: z.string().optional().describe("POLICY_RESTRICTION: the policy that denied"),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const d = await deps.compliance.evaluate({
      customer_id: input.customer_id,
      message_type: input.message_type,
      template_name: input.template_name,
      locale: input.locale,
      channel: from.channel,
      phone_number_id: from.phoneNumberId,
    });
    const answer = {
      allowed: d.allowed,
      human_explanation: d.human_explanation,
      suggested_action: d.suggested_action,
      checks: d.checks.map((c) => ({ rule: c.rule, passed: c.passed, detail: c.detail })),
      category: d.category,
      customer_id: d.customer_id,
      from: fromOut(from),
    };
    if (d.allowed) return answer;
    // tools.md: a rule denial is an isError result; the whole answer (checks included) stays in it.
    return {
      ...answer,
      ...(d.resets_at ? { resets_at: d.resets_at } : {}),
      ...(d.opens_at ? { opens_at: d.opens_at } : {}),
      ...(d.policy_id ? { policy_id: d.policy_id } : {}),
      ...refuse(d.reason_code, d.human_explanation, d.suggested_action),
    };
  },
});
