import { dayOf, findRow, rateCard, type RateCard, type RateRow } from "./rate-card.js";
import { pricingRules, type PricingRule } from "./rules.js";

type CostCategory = "marketing" | "utility" | "authentication" | "service";
export type RateCategory = CostCategory | "authentication_international";

export interface PricingOptions {
  oct2026ServiceCharges?: boolean; // apply the 2026-10-01 rule (service + in-window utility charged); default true
  usMarketingPause?: boolean; // META_US_MARKETING_PAUSE: marketing to US numbers is refused; default true
  card?: RateCard; // the rate card in use (RATE_CARD_FILE); default the bundled one
}

export interface EstimateCostInput {
  category: CostCategory;
  country?: string; // ISO alpha-2 of the recipient; absent → DEFAULT row
  quantity?: number; // default 1
  insideServiceWindow?: boolean; // default false for templates; service messages need an open window anyway
  at?: Date; // default now
  options?: PricingOptions;
}

export interface CostEstimate {
  per_message: number;
  total: number;
  currency: string;
  pricing_model: "PMP";
  category: CostCategory;
  country: string; // the rate-card row used (DEFAULT when the country has none)
  effective_date: string; // YYYY-MM-DD of the row or rule that set the price
  notes: string[];
  rules: PricingRule[]; // the dated rules behind the estimate, each with its source
}

export interface RateQuote {
  country: string;
  category: RateCategory;
  rate: number;
  currency: string;
  pricing_model: "PMP";
  effective_date: string;
  notes: string[];
}

const usd = (microDollars: number): number => microDollars / 1_000_000;

function serviceChargesApply(card: RateCard, at: Date, options: PricingOptions | undefined): boolean {
  return (options?.oct2026ServiceCharges ?? true) && dayOf(at) >= card.serviceChargesFrom;
}

interface Priced {
  micros: number;
  effective: string;
  notes: string[];
}

function price(card: RateCard, row: RateRow, input: EstimateCostInput, at: Date): Priced {
  const charged = serviceChargesApply(card, at, input.options);
  const rule = card.serviceChargesFrom;
  const ruleNote = `From ${rule} this is charged at the market's utility rate (reported by BSPs; confirm on Meta's pricing page).`;
  switch (input.category) {
    case "marketing": {
      const notes = input.insideServiceWindow
        ? ["Marketing templates are charged even inside an open service window."]
        : [];
      if (input.country?.trim().toUpperCase() === "US")
        notes.push(
          input.options?.usMarketingPause === false
            ? "Meta paused marketing templates to US (+1) numbers on 2025-04-01; this gateway is set to send them again (META_US_MARKETING_PAUSE=false)."
            : "Meta does not deliver marketing templates to US numbers (+1 with a US area code) since 2025-04-01: the gateway refuses them (POLICY_RESTRICTION, policy meta_us_marketing_pause) and campaigns skip them as us_marketing_pause, so none is sent or charged while the pause holds.",
        );
      return { micros: row.marketing, effective: row.effectiveFrom, notes };
    }
    case "authentication": {
      const intl = row.authenticationInternational;
      const notes =
        intl === null
          ? []
          : [
              `Businesses based outside ${row.country} may be billed the authentication-international rate (${usd(intl)} ${card.currency}).`,
            ];
      return { micros: row.authentication, effective: row.effectiveFrom, notes };
    }
    case "utility":
      if (!input.insideServiceWindow) return { micros: row.utility, effective: row.effectiveFrom, notes: [] };
      if (charged)
        return {
          micros: row.utility,
          effective: rule,
          notes: [`Utility templates inside an open service window: ${ruleNote}`],
        };
      return {
        micros: 0,
        effective: row.effectiveFrom,
        notes: ["Utility templates delivered inside an open service window are free."],
      };
    case "service": {
      const notes =
        input.insideServiceWindow === false
          ? [
              "Service (free-form) messages can only be sent inside an open 24-hour window; outside it, send a template.",
            ]
          : [];
      if (!charged)
        return {
          micros: 0,
          effective: row.effectiveFrom,
          notes: ["Service messages inside the 24-hour window are free.", ...notes],
        };
      const free =
        "Some BSPs report the first 1,000 service messages per business number per month are free (not applied here).";
      return { micros: row.utility, effective: rule, notes: [`Service messages: ${ruleNote}`, free, ...notes] };
    }
  }
}

/** Cost of delivered messages under Meta's per-message pricing (PMP), in integer micro-dollars inside. */
export function estimateCost(input: EstimateCostInput): CostEstimate {
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 0)
    throw new RangeError(`quantity must be a whole number ≥ 0, got ${quantity}`);
  const at = input.at ?? new Date();
  const card = input.options?.card ?? rateCard();
  const { row, usedDefault } = findRow(card, input.country, at);
  const priced = price(card, row, input, at);
  const notes = [
    ...priced.notes,
    `Messages in a ${card.freeEntryPointHours}-hour free entry point window (ads, Page buttons) are free.`,
  ];
  if (usedDefault)
    notes.unshift(
      input.country
        ? `No rate for country "${input.country}"; the DEFAULT rate was used.`
        : "No recipient country given; the DEFAULT rate was used.",
    );
  if (dayOf(at) < card.pmpStart)
    notes.push(`Before ${card.pmpStart} Meta billed per conversation (CBP); this estimate uses per-message pricing.`);
  if (
    input.options?.oct2026ServiceCharges === false &&
    dayOf(at) >= card.serviceChargesFrom &&
    (input.category === "service" || input.category === "utility")
  ) {
    notes.push(
      `The ${card.serviceChargesFrom} service-charge rule is switched off: service and in-window utility messages are treated as free.`,
    );
  }
  return {
    per_message: usd(priced.micros),
    total: usd(priced.micros * quantity),
    currency: card.currency,
    pricing_model: "PMP",
    category: input.category,
    country: row.country,
    effective_date: priced.effective,
    notes,
    rules: pricingRules(
      card,
      input.category === "marketing" &&
        input.country?.trim().toUpperCase() === "US" &&
        input.options?.usMarketingPause !== false,
    ),
  };
}

/** The list rate of one category in one market (estimate_pricing): a template outside the window. */
export function rateFor(
  country: string | undefined,
  category: RateCategory,
  at: Date = new Date(),
  options?: PricingOptions,
): RateQuote {
  const card = options?.card ?? rateCard();
  const { row, usedDefault } = findRow(card, country, at);
  const notes = usedDefault
    ? [
        country
          ? `No rate for country "${country}"; the DEFAULT rate was used.`
          : "No country given; the DEFAULT rate was used.",
      ]
    : [];
  let micros: number;
  let effective = row.effectiveFrom;
  if (category === "authentication_international") {
    micros = row.authenticationInternational ?? row.authentication;
    if (row.authenticationInternational === null)
      notes.push(`No authentication-international rate for ${row.country}; the authentication rate applies.`);
  } else if (category === "service") {
    const charged = serviceChargesApply(card, at, options);
    micros = charged ? row.utility : 0;
    if (charged) effective = card.serviceChargesFrom;
    notes.push(
      charged
        ? `Service messages are charged at the utility rate from ${card.serviceChargesFrom} (reported by BSPs).`
        : "Service messages inside the 24-hour window are free.",
    );
  } else {
    micros = row[category];
  }
  return {
    country: row.country,
    category,
    rate: usd(micros),
    currency: card.currency,
    pricing_model: "PMP",
    effective_date: effective,
    notes,
  };
}
