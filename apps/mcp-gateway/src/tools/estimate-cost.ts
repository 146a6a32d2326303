import { estimateCost as estimate, rateCard } from "@wa/meta";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";

export const COUNTRY = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "expected an ISO 3166 alpha-2 code such as ID, US, BR")
  .transform((c) => c.toUpperCase());

export const estimateCost = defineTool({
  name: "estimate_cost",
  title: "Estimate the cost of messages",
  description:
    "Estimates what sending messages will cost under Meta's per-message pricing (since 2025-07-01): marketing and authentication templates are charged per delivered message; utility templates inside an open 24 h window and service (free-form) messages are free until 2026-10-01 and charged at the utility rate from then (reported by BSPs); a 72 h free entry point window is free. `rules` lists each dated rule with its source; `notes` say what applies here (e.g. marketing to US numbers is refused while Meta's US pause holds). Use before a campaign or bulk send. Rates are list prices per recipient country from the operator's rate card.",
  annotations: READ_ONLY,
  input: {
    message_type: z.enum(["marketing", "utility", "authentication", "service"]).describe("Category of the messages."),
    recipient_country: COUNTRY.optional().describe(
      "Recipient country, ISO 3166 alpha-2 (e.g. ID). Omitted or unknown: the DEFAULT rate.",
    ),
    quantity: z.number().int().min(1).max(100_000_000).default(1).describe("Number of messages (default 1)."),
    inside_service_window: z
      .boolean()
      .optional()
      .describe("True when the recipients have an open 24 h window (utility becomes free)."),
  },
  output: {
    per_message: z.number(),
    total: z.number(),
    currency: z.string(),
    pricing_model: z.string(),
    category: z.string(),
    country: z.string().describe("rate-card row used (DEFAULT when the country has none)"),
    effective_date: z.string(),
    notes: z.array(z.string()),
    rules: z
      .array(
        z.object({
          id: z.string(),
          effective_from: z.string(),
          rule: z.string(),
          source: z.string(),
          confirmed_by_meta: z.boolean(),
        }),
      )
      .describe("the dated pricing rules behind the estimate, each with its source"),
  },
  run: async (input, deps) => {
    const e = estimate({
      category: input.message_type,
      country: input.recipient_country,
      quantity: input.quantity,
      insideServiceWindow: input.inside_service_window,
      at: new Date(deps.now()),
      options: { card: rateCard(deps.cfg.RATE_CARD_FILE), usMarketingPause: deps.cfg.META_US_MARKETING_PAUSE },
    });
    return { ...e };
  },
});
