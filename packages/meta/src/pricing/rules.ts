import type { RateCard } from "./rate-card.js";

/** One dated pricing rule as estimate_cost reports it, with where it comes from. */
export interface PricingRule {
  id: string;
  effective_from: string; // YYYY-MM-DD
  rule: string;
  source: string; // URL(s) or document
  confirmed_by_meta: boolean; // false: reported by BSPs only (meta-api.md §10.2)
}

const US_PAUSE_SOURCE =
  "https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/marketing-templates/per-user-limits";

/** The dated rules behind an estimate, from the rate card in use (so a new card can move their dates). */
export function pricingRules(card: RateCard, usMarketingPause: boolean): PricingRule[] {
  const rules: PricingRule[] = [
    {
      id: "per_message_pricing",
      effective_from: card.pmpStart,
      rule: "Meta charges per delivered template message (category × recipient country code) instead of per conversation; free-form service messages and utility templates inside an open 24 h window are free.",
      source: card.pmpSource,
      confirmed_by_meta: true,
    },
    {
      id: "service_and_in_window_utility_charged",
      effective_from: card.serviceChargesFrom,
      rule: `Service (non-template) messages and utility templates inside an open window are charged at the market's utility rate. ${card.serviceChargesNote}`,
      source: card.serviceChargesSource,
      confirmed_by_meta: false,
    },
    {
      id: "free_entry_point_window",
      effective_from: card.pmpStart,
      rule: `Everything delivered inside a ${card.freeEntryPointHours} h free entry point window (opened by a Click-to-WhatsApp ad or a Page call-to-action the customer used) is free.`,
      source: card.freeEntryPointSource,
      confirmed_by_meta: true,
    },
  ];
  if (usMarketingPause)
    rules.push({
      id: "us_marketing_pause",
      effective_from: "2025-04-01",
      rule: "Meta delivers no marketing templates to US numbers (+1 with a US area code); they fail with 131049 and are not charged. The gateway refuses them before queueing (POLICY_RESTRICTION, policy meta_us_marketing_pause).",
      source: US_PAUSE_SOURCE,
      confirmed_by_meta: true,
    });
  return rules;
}
