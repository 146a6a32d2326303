import { getCampaign as read } from "@wa/campaigns";
import { z } from "zod";
import { campaignId, campaignStatus, progressShape } from "./campaign-common.js";
import { defineTool, READ_ONLY } from "./define-tool.js";

const ts = z.string().nullable();

export const getCampaign = defineTool({
  name: "get_campaign",
  title: "Campaign status and counters",
  description:
    "Shows a campaign: the business number it sends from (phone_number_id, display_phone_number, business_id), status (and why, e.g. a paused template or Meta's messaging limit), audience, enqueued, skipped recipients by reason (opted_out, no_opt_in, frequency_capped, quiet_hours, excluded_segment, us_marketing_pause, marketing_limited, …), sent, delivered, read, failed, progress in percent, ETA and timestamps.",
  annotations: READ_ONLY,
  input: { campaign_id: campaignId },
  output: {
    campaign_id: z.string(),
    name: z.string(),
    status: campaignStatus,
    status_reason: z.string().nullable(),
    type: z.string(),
    template_name: z.string(),
    locale: z.string(),
    phone_number_id: z.string().nullable().describe("the number it sends from"),
    display_phone_number: z.string().nullable(),
    business_id: z
      .string()
      .nullable()
      .describe("whose customers it reaches and whose messaging limit it counts against"),
    audience_filter: z.record(z.string(), z.unknown()),
    counters: z.object({
      audience: z.number().int(),
      enqueued: z.number().int(),
      skipped_by_reason: z.record(z.string(), z.number()),
      sent: z.number().int(),
      delivered: z.number().int(),
      read: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
    }),
    progress_pct: z.number(),
    progress: progressShape,
    timestamps: z.object({
      created_at: ts,
      scheduled_at: ts,
      started_at: ts,
      paused_at: ts,
      completed_at: ts,
      cancelled_at: ts,
      updated_at: ts,
    }),
  },
  run: async ({ campaign_id }, deps) => {
    const r = await read({ db: deps.db, now: deps.now, throughputMps: deps.cfg.THROUGHPUT_MPS }, campaign_id);
    if (!r.ok) return r;
    const { ok: _ok, ...view } = r;
    return view;
  },
});
