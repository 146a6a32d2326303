/** A portfolio messaging-limit tier: unique recipients outside a service window per rolling 24 h. */
export interface MessagingTier {
  readonly name: string; // Meta's name, e.g. TIER_2K
  readonly limit: number; // Infinity for TIER_UNLIMITED
}

/** The most cautious tier: used when neither config nor Meta tells us. */
export const FALLBACK_TIER: MessagingTier = { name: "TIER_250", limit: 250 };

/**
 * Parses `TIER_250`, `TIER_2K`, `TIER_100K`, `TIER_UNLIMITED`, and older names Meta may still answer
 * (`TIER_50`, `TIER_1K`); null when the name is not a tier.
 */
export function parseTier(name: string | null | undefined): MessagingTier | null {
  if (!name) return null;
  const upper = name.trim().toUpperCase();
  if (upper === "TIER_UNLIMITED" || upper === "UNLIMITED")
    return { name: "TIER_UNLIMITED", limit: Number.POSITIVE_INFINITY };
  const m = /^TIER_(\d+)(K|M)?$/.exec(upper);
  if (!m?.[1]) return null;
  const scale = m[2] === "K" ? 1_000 : m[2] === "M" ? 1_000_000 : 1;
  const limit = Number(m[1]) * scale;
  return limit > 0 ? { name: upper, limit } : null;
}
