import { rateCard, rateFor } from "@wa/meta";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { COUNTRY } from "./estimate-cost.js";

export const estimatePricing = defineTool({
  name: "estimate_pricing",
  title: "Per-message rate for a category and country",
  description:
    "Returns Meta's list rate for one delivered template message of a category in the recipient's country (per-message pricing). Use estimate_cost for totals, quantities and the free-window rules.",
  annotations: READ_ONLY,
  input: {
    conversation_type: z
      .enum(["marketing", "utility", "authentication", "authentication_international", "service"])
      .describe("Message category to price."),
    recipient_country: COUNTRY.optional().describe(
      "Recipient country, ISO 3166 alpha-2. Omitted or unknown: the DEFAULT rate.",
    ),
  },
  output: {
    country: z.string(),
    category: z.string(),
    rate: z.number(),
    currency: z.string(),
    pricing_model: z.string(),
    effective_date: z.string(),
    notes: z.array(z.string()),
  },
  run: async (input, deps) => ({
    ...rateFor(input.recipient_country, input.conversation_type, new Date(deps.now()), {
      card: rateCard(deps.cfg.RATE_CARD_FILE),
    }),
  }),
});
