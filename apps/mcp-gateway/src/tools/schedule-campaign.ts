import { audienceFilterSchema, scheduleCampaign as schedule } from "@wa/campaigns";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, locale, rfc3339, templateName, variables } from "./fields.js";

export const scheduleCampaign = defineTool({
  name: "schedule_campaign",
  title: "Schedule a broadcast campaign",
  description:
    "Schedules a template broadcast to an audience of customers (filter by tags, country, recent activity; omitted = every WhatsApp customer). The template must be APPROVED and its category must equal type. Each recipient is checked by the compliance engine when the fan-out reaches them: opted-out, no opt-in, frequency-capped, quiet-hours or excluded-segment recipients are skipped and counted (see get_campaign). deliver_at: RFC 3339, at most 30 days ahead. Use estimate_cost first for the price.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    name: z.string().trim().min(1).max(200).describe("A short name for people, e.g. \"Ramadan sale 2026\"."),
    type: z.enum(["marketing", "utility"]).describe("The campaign category; must equal the template's category."),
    template_name: templateName,
    locale: locale.optional().describe('Template language, default "en".'),
    variables: variables.optional().describe("Values for the template's placeholders, the same for every recipient."),
    audience_filter: audienceFilterSchema
      .optional()
      .describe("Who receives it: include_tags (any of), exclude_tags, country_codes (ISO like ID or calling codes like 62), active_within_days (last inbound message)."),
    deliver_at: rfc3339("When to start (RFC 3339, future, ≤ 30 days)."),
    channel: channelArg,
  },
  output: {
    campaign_id: z.string(),
    status: z.literal("scheduled"),
    audience_estimate: z.number().int().describe("customers matching the filter now (skips are decided at send time)"),
    deliver_at: z.string(),
  },
  run: async (input, deps) => {
    const r = await schedule({ db: deps.db, now: deps.now }, input, { actor: "agent" });
    if (!r.ok) return r;
    return { campaign_id: r.campaign_id, status: r.status, audience_estimate: r.audience_estimate, deliver_at: r.deliver_at };
  },
});
