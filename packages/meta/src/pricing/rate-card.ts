import { readFileSync } from "node:fs";
import { z } from "zod";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const usd = z.number().nonnegative().max(10);

const cardSchema = z.object({
  currency: z.string().length(3),
  pricing_model: z.literal("PMP"),
  notes: z.array(z.string()).default([]),
  rules: z.object({ pmp_start: isoDate, service_charges_from: isoDate, service_charges_source: z.string() }),
  rates: z
    .array(
      z.object({
        country: z.string().regex(/^([A-Z]{2}|DEFAULT)$/),
        effective_from: isoDate,
        marketing: usd,
        utility: usd,
        authentication: usd,
        authentication_international: usd.nullable(),
      }),
    )
    .refine((rows) => rows.some((r) => r.country === "DEFAULT"), "the rate card needs a DEFAULT row"),
});

/** One country's rates in integer micro-dollars, so sums never drift. */
export interface RateRow {
  country: string;
  effectiveFrom: string;
  marketing: number;
  utility: number;
  authentication: number;
  authenticationInternational: number | null;
}

export interface RateCard {
  currency: string;
  pmpStart: string;
  serviceChargesFrom: string;
  rows: RateRow[];
}

const micros = (usdValue: number): number => Math.round(usdValue * 1_000_000);

let cached: RateCard | undefined;

/** data/rate-card.json, validated once on first use (a broken file is a deployment fault: it throws). */
export function rateCard(): RateCard {
  if (cached) return cached;
  // Same relative path from src/pricing (tests) and dist/pricing (runtime).
  const text = readFileSync(new URL("../../data/rate-card.json", import.meta.url), "utf8");
  const parsed = cardSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`data/rate-card.json is invalid: ${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  cached = {
    currency: c.currency,
    pmpStart: c.rules.pmp_start,
    serviceChargesFrom: c.rules.service_charges_from,
    rows: c.rates.map((r) => ({
      country: r.country,
      effectiveFrom: r.effective_from,
      marketing: micros(r.marketing),
      utility: micros(r.utility),
      authentication: micros(r.authentication),
      authenticationInternational:
        r.authentication_international === null ? null : micros(r.authentication_international),
    })),
  };
  return cached;
}

export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** The row in force on `at` for a country (latest effective_from ≤ at), else the DEFAULT row. */
export function findRow(card: RateCard, country: string | undefined, at: Date): { row: RateRow; usedDefault: boolean } {
  const pick = (code: string): RateRow | undefined => {
    const rows = card.rows
      .filter((r) => r.country === code)
      .toSorted((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
    return rows.filter((r) => r.effectiveFrom <= dayOf(at)).at(-1) ?? rows[0];
  };
  const own = country ? pick(country.trim().toUpperCase()) : undefined;
  if (own) return { row: own, usedDefault: false };
  return { row: pick("DEFAULT")!, usedDefault: true }; // DEFAULT presence is checked on load
}
