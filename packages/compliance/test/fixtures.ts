import type {
  CustomerFacts,
  DecideOptions,
  Decision,
  DecisionRequest,
  Denied,
  Facts,
  Policy,
  TemplateFacts,
} from "../src/index.js";
import { parsePolicy } from "../src/index.js";

export const H = 60 * 60 * 1000;
export const NOON_JAKARTA = Date.parse("2025-06-02T05:00:00Z"); // 12:00 in Asia/Jakarta (UTC+7)
export const ID_NUMBER = "+62 811-2345-6789";
export const ID_DIGITS = "6281123456789";

/** Narrows a decision the test expects to be a denial (fails the test otherwise). */
export function denied(d: Decision): Denied {
  if (d.allowed) throw new Error(`expected a denial, got allowed: ${d.human_explanation}`);
  return d;
}

export const OPTIONS: DecideOptions = {
  consentMode: "explicit",
  defaultCap: 2,
  defaultTimezone: "UTC",
  usMarketingPause: true,
};

export function customer(over: Partial<CustomerFacts> = {}): CustomerFacts {
  return {
    consent: {
      marketing: { status: "granted", source: "api", at: NOON_JAKARTA - 100 * H },
      utility: { status: "unknown", source: null, at: null },
    },
    tags: [],
    timezone: "Asia/Jakarta",
    ...over,
  };
}

export function template(over: Partial<TemplateFacts> = {}): TemplateFacts {
  return {
    name: "promo_june",
    locale: "en",
    category: "MARKETING",
    status: "APPROVED",
    parameterFormat: "positional",
    parameterCount: 2,
    parameterNames: [],
    rejectionReason: null,
    quality: null,
    ...over,
  };
}

export function facts(over: Partial<Facts> = {}): Facts {
  return {
    now: NOON_JAKARTA,
    customer: customer(),
    window: { lastInboundAt: NOON_JAKARTA - H, expiresAt: NOON_JAKARTA + 23 * H },
    sentAt: [],
    policies: [],
    ...over,
  };
}

export const policy = (raw: Record<string, unknown>): Policy => parsePolicy(raw, "test");

export const QUIET_MARKETING = policy({
  id: "marketing_quiet_hours",
  type: "time_restriction",
  message_type: "marketing",
  rules: { deny_after: "21:00", allow_after: "08:00", timezone: "recipient" },
});

/** A send of the approved marketing template promo_june ({{1}}, {{2}}) to the Indonesian test number. */
export const tplSend = (over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  customer_id: ID_NUMBER,
  message_type: "template",
  template_name: "promo_june",
  variables: ["Ann", "20%"],
  ...over,
});
export const found = (over = {}): Facts["template"] => ({ found: true, template: template(over) });
