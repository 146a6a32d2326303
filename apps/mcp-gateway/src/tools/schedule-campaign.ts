import { audienceFilterSchema, requestCampaign } from "@wa/campaigns";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, locale, readableText, rfc3339, templateName, variables } from "./fields.js";
import { fromNumber } from "./from-number.js";
import { templateButtons, templateHeader } from "./template-fields.js";

export const scheduleCampaign = defineTool({
  name: "schedule_campaign",
  title: "Schedule a broadcast campaign",
  description:
    "Schedules a template broadcast to an audience of customers (filter by tags, country, recent activity; omitted = every customer of the number's business). The template must be APPROVED and its category must equal type; variables, header and buttons must fit its components (TEMPLATE_VARIABLES_MISMATCH names the part). Each recipient is checked by the compliance engine when the fan-out reaches them: opted-out, no opt-in, frequency-capped, quiet-hours or excluded-segment recipients are skipped and counted (see get_campaign). deliver_at: RFC 3339, at most 30 days ahead. Use estimate_cost first for the price. from names the business number it sends from (phone_number_id or display number; default: the default number): the audience is that number's business's customers, its messages go from that number, and Meta's messaging limit counted is that business portfolio's (shared by all its numbers); an unknown number is NOT_FOUND with the numbers there are. When a require_approval policy matches (e.g. a large audience), nothing is scheduled yet: the answer is status \"pending_approval\" with approval_id; follow it with get_approval (approved → campaign_id; rejected or expired → the operator's reason) and do not schedule it again meanwhile.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    name: readableText(200, "a campaign name").describe('A short name for people, e.g. "Ramadan sale 2026".'),
    type: z.enum(["marketing", "utility"]).describe("The campaign category; must equal the template's category."),
    template_name: templateName,
    locale: locale.optional().describe('Template language, default "en".'),
    variables: variables.optional().describe("Values for the template's placeholders, the same for every recipient."),
    header: templateHeader
      .optional()
      .describe("The template header's parameter (as in send_template), the same for everyone."),
    buttons: templateButtons
      .optional()
      .describe("Button parameters by index (as in send_template), the same for everyone."),
    audience_filter: audienceFilterSchema
      .optional()
      .describe(
        "Who receives it: include_tags (any of), exclude_tags, country_codes (ISO like ID or calling codes like 62), active_within_days (last inbound message).",
      ),
    deliver_at: rfc3339("When to start (RFC 3339, future, ≤ 30 days)."),
    channel: channelArg,
    from: fromNumber.optional(),
  },
  output: {
    campaign_id: z.string().nullable().describe("null while pending_approval"),
    status: z.enum(["scheduled", "pending_approval"]),
    approval_id: z.string().nullable().describe("pending_approval: pass it to get_approval"),
    expires_at: z.string().nullable().describe("pending_approval: when it expires if nobody decides"),
    audience_estimate: z.number().int().describe("customers matching the filter now (skips are decided at send time)"),
    deliver_at: z.string(),
    phone_number_id: z.string().nullable().describe("the number it sends from (null: the default one)"),
    display_phone_number: z.string().nullable(),
  },
  run: async (input, deps) => {
    const r = await requestCampaign({ db: deps.db, now: deps.now, approvals: deps.approvals }, input, {
      actor: deps.actor,
    });
    if (!r.ok) return r;
    if (r.status === "pending_approval")
      return {
        campaign_id: null,
        status: r.status,
        approval_id: r.approval_id,
        expires_at: r.expires_at,
        audience_estimate: Number(r.summary.audience_estimate ?? 0),
        deliver_at: String(r.summary.deliver_at ?? input.deliver_at),
        phone_number_id: typeof r.summary.from === "string" ? r.summary.from : null,
        display_phone_number: null,
      };
    return {
      campaign_id: r.campaign_id,
      status: r.status,
      approval_id: null,
      expires_at: null,
      audience_estimate: r.audience_estimate,
      deliver_at: r.deliver_at,
      phone_number_id: r.phone_number_id,
      display_phone_number: r.display_phone_number,
    };
  },
});
