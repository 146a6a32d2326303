import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const usd = z.number().nonnegative().max(10);
const source = z.string().min(1, "name a URL or document");

// The sources default to meta-api.md's, so a rate card written before `rules` carried them still loads.
const M_PRICING = "https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing";
const BSP_OCT26 =
  "https://chakrahq.com/article/whatsapp-api-pricing-update-service-messages-october-2026/ ; https://www.ycloud.com/blog/whatsapp-service-messages-24-hour-window-pricing ; https://developer.8x8.com/release-notes/m/2026-10";

const cardSchema = z.object({
  currency: z.string().length(3),
  pricing_model: z.literal("PMP"),
  notes: z.array(z.string()).default([]),
  rules: z.object({
    pmp_start: isoDate,
    pmp_source: source.default(M_PRICING),
    service_charges_from: isoDate,
    service_charges_source: z.string(),
    service_charges_sources: source.default(BSP_OCT26),
    free_entry_point_hours: z.number().int().min(1).max(720).default(72),
    free_entry_point_source: source.default(M_PRICING),
  }),
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
  pmpSource: string;
  serviceChargesFrom: string;
  serviceChargesNote: string;
  serviceChargesSource: string;
  freeEntryPointHours: number;
  freeEntryPointSource: string;
  rows: RateRow[];
}

/** A rate card file that cannot be used; the message names the file and every problem. */
export class RateCardError extends Error {
  override readonly name = "RateCardError";
}

const micros = (usdValue: number): number => Math.round(usdValue * 1_000_000);
const BUNDLED = new URL("../../data/rate-card.json", import.meta.url); // same path from src/ (tests) and dist/

function parseText(text: string, where: string, yaml: boolean): unknown {
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new RateCardError(`${where} is not valid ${yaml ? "YAML" : "JSON"}: ${(err as Error).message}`);
  }
}

/** Reads and validates a rate card (JSON, or YAML for .yaml/.yml); throws RateCardError naming what is wrong. */
export function loadRateCard(file?: string): RateCard {
  const where = file ? `RATE_CARD_FILE ${file}` : "the bundled data/rate-card.json";
  let text: string;
  try {
    text = readFileSync(file ?? BUNDLED, "utf8");
  } catch (err) {
    throw new RateCardError(`${where} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const yaml = file !== undefined && [".yaml", ".yml"].includes(extname(file).toLowerCase());
  const parsed = cardSchema.safeParse(parseText(text, where, yaml));
  if (!parsed.success) throw new RateCardError(`${where} is invalid:\n${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  return {
    currency: c.currency,
    pmpStart: c.rules.pmp_start,
    pmpSource: c.rules.pmp_source,
    serviceChargesFrom: c.rules.service_charges_from,
    serviceChargesNote: c.rules.service_charges_source,
    serviceChargesSource: c.rules.service_charges_sources,
    freeEntryPointHours: c.rules.free_entry_point_hours,
    freeEntryPointSource: c.rules.free_entry_point_source,
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
}

const cache = new Map<string, RateCard>();

/** The rate card in use: RATE_CARD_FILE when given (empty = the bundled one), read once per process. */
export function rateCard(file?: string): RateCard {
  const key = file?.trim() || "";
  const hit = cache.get(key);
  if (hit) return hit;
  const card = loadRateCard(key || undefined);
  cache.set(key, card);
  return card;
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
