import { isRefusal } from "@wa/contract";
import { DAY_MS } from "@wa/config";
import type { ToolDeps } from "../deps.js";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg, phone } from "./fields.js";
import { eligibility, eligibilityOf, isoOrNull } from "./shapes.js";
import { customerKey } from "./customer-key.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

const ENGAGEMENT_DAYS = 30;

const consentState = z.object({
  status: z.enum(["granted", "revoked", "unknown"]),
  source: z.string().nullable().describe("where it was collected (agent's text, inbound_keyword, import…)"),
  at: z.string().nullable(),
});

export const getCustomerContext = defineTool({
  name: "get_customer_context",
  title: "Everything about one customer",
  description:
    "One call before talking to a customer: consent (marketing, utility) with source and time, tags, country, time zone, engagement over the last 30 days, last interaction, the 24 h window, and a dry-run compliance answer for each category (marketing, utility, authentication, service). Nothing is sent, reserved or audited. An unknown customer answers known=false with default consent.",
  annotations: READ_ONLY,
  input: {
    customer_id: phone("The customer."),
    from: fromNumber
      .optional()
      .describe(
        "A business number (phone_number_id or display number): the customer as its business knows them (consent, tags, caps) and the window with that number. Omit it for the default number.",
      ),
    channel: channelArg,
  },
  output: {
    customer_id: z.string(),
    channel: z.string(),
    from: fromShape,
    known: z.boolean().describe("false when the gateway has never seen this customer"),
    display_name: z.string().nullable(),
    consent: z.object({ marketing: consentState, utility: consentState }),
    tags: z.array(z.string()),
    country: z.string().nullable(),
    timezone: z.string().nullable(),
    engagement: z.object({
      window_days: z.number().int(),
      inbound_messages: z.number().int(),
      outbound_messages: z.number().int(),
      delivered: z.number().int(),
      read: z.number().int(),
      failed: z.number().int(),
    }),
    last_interaction: z.object({ at: z.string().nullable(), direction: z.enum(["inbound", "outbound"]).nullable() }),
    conversation: z.object({
      conversation_id: z.string().nullable(),
      window_open: z.boolean(),
      time_remaining_secs: z.number().int(),
      window_expires_at: z.string().nullable(),
    }),
    eligibility: z.object({
      marketing: eligibility,
      utility: eligibility,
      authentication: eligibility,
      service: eligibility,
    }),
  },
  run: async ({ customer_id, channel, ...input }, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const key = await customerKey(deps, customer_id, from);
    const [customer, window, e, engagement] = await Promise.all([
      deps.state.getCustomer(key),
      deps.state.getWindow(key),
      deps.compliance.eligibility(customer_id, from.channel, from.phoneNumberId),
      engagementOf(deps, key.customerId, from.channel),
    ]);
    const consent = (k: "marketing" | "utility") => {
      const c = customer?.consent[k];
      return { status: c?.status ?? "unknown", source: c?.source ?? null, at: isoOrNull(c?.at) };
    };
    const lastIn = customer?.lastInboundAt?.getTime() ?? null;
    const lastOut = customer?.lastOutboundAt?.getTime() ?? null;
    const last =
      lastIn === null && lastOut === null
        ? { at: null, direction: null }
        : (lastIn ?? 0) >= (lastOut ?? 0)
          ? { at: new Date(lastIn ?? 0).toISOString(), direction: "inbound" as const }
          : { at: new Date(lastOut ?? 0).toISOString(), direction: "outbound" as const };
    return {
      customer_id,
      channel,
      from: fromOut(from),
      known: customer !== null,
      display_name: customer?.displayName ?? null,
      consent: { marketing: consent("marketing"), utility: consent("utility") },
      tags: [...(customer?.tags ?? [])],
      country: customer?.country ?? null,
      timezone: customer?.timezone ?? null,
      engagement,
      last_interaction: last,
      conversation: {
        conversation_id: window.conversationId,
        window_open: window.open,
        time_remaining_secs: Math.floor(window.remainingMs / 1000),
        window_expires_at: isoOrNull(window.expiresAt),
      },
      eligibility: {
        marketing: eligibilityOf(e.marketing),
        utility: eligibilityOf(e.utility),
        authentication: eligibilityOf(e.authentication),
        service: eligibilityOf(e.service),
      },
    };
  },
});

async function engagementOf(deps: ToolDeps, customerId: string, channel: string) {
  const since = new Date(deps.now() - ENGAGEMENT_DAYS * DAY_MS);
  const row = await deps.db
    .selectFrom("messages")
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere("direction", "=", "inbound").as("inbound"),
      eb.fn.countAll<string>().filterWhere("direction", "=", "outbound").as("outbound"),
      eb.fn.countAll<string>().filterWhere("delivered_at", "is not", null).as("delivered"),
      eb.fn.countAll<string>().filterWhere("read_at", "is not", null).as("read"),
      eb.fn.countAll<string>().filterWhere("status", "=", "failed").as("failed"),
    ])
    .where("customer_id", "=", customerId)
    .where("channel", "=", channel)
    .where("created_at", ">=", since)
    .executeTakeFirstOrThrow();
  return {
    window_days: ENGAGEMENT_DAYS,
    inbound_messages: Number(row.inbound),
    outbound_messages: Number(row.outbound),
    delivered: Number(row.delivered),
    read: Number(row.read),
    failed: Number(row.failed),
  };
}
