import { estimateCost as estimate } from "@wa/meta";
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
    "Estimates what sending messages will cost under Meta's per-message pricing (since 2025-07-01): marketing and authentication templates are charged per delivered message, utility templates are free inside an open 24 h window, service (free-form) messages are free. Use before a campaign or bulk send. Rates are list prices per recipient country.",
  annotations: READ_ONLY,
  input: {
    message_type: z.enum(["marketing", "utility", "authentication", "service"]).describe("Category of the messages."),
    recipient_country: COUNTRY.optional().describe("Recipient country, ISO 3166 alpha-2 (e.g. ID). Omitted or unknown: the DEFAULT rate."),
    quantity: z.number().int().min(1).max(100_000_000).default(1).describe("Number of messages (default 1)."),
    inside_service_window: z.boolean().optional().describe("True when the recipients have an open 24 h window (utility becomes free)."),
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
  },
  run: async (input, deps) => {
    const e = estimate({
      category: input.message_type,
      country: input.recipient_country,
      quantity: input.quantity,
      insideServiceWindow: input.inside_service_window,
      at: new Date(deps.now()),
    });
    return { ...e };
  },
});
