import type { LogLike } from "@wa/observability";
import type { TierSource } from "./fan-out.js";
import { FALLBACK_TIER, parseTier, type MessagingTier } from "./tiers.js";
import type { Clock } from "./types.js";

export interface TierSourceOptions {
  readonly override?: string; // MESSAGING_LIMIT_TIER
  /** Reads the tier from Meta (whatsapp_business_manager_messaging_limit); null or a throw = unknown. */
  readonly fromMeta?: () => Promise<string | null>;
  readonly log: LogLike;
  readonly ttlMs?: number; // how long a tier read from Meta is trusted; default 10 min
  readonly now?: Clock;
}

/** Config override first, else Meta's answer (cached), else the most cautious tier (TIER_250). */
export function createTierSource(opts: TierSourceOptions): TierSource {
  if (opts.override !== undefined) {
    const fixed = parseTier(opts.override);
    if (!fixed) throw new Error(`MESSAGING_LIMIT_TIER "${opts.override}" is not a messaging-limit tier`);
    return async () => fixed;
  }
  const clock = opts.now ?? Date.now;
  let cached: { tier: MessagingTier; at: number } | null = null;
  return async () => {
    const t = clock();
    if (cached && t - cached.at < (opts.ttlMs ?? 600_000)) return cached.tier;
    let tier: MessagingTier | null = null;
    try {
      const raw = (await opts.fromMeta?.()) ?? null;
      tier = parseTier(raw);
      if (raw !== null && !tier) opts.log.warn({ tier: raw }, "unknown messaging-limit tier from Meta");
    } catch (err) {
      opts.log.warn({ err }, "could not read the messaging-limit tier from Meta");
    }
    if (!tier) return cached?.tier ?? FALLBACK_TIER;
    cached = { tier, at: t };
    return tier;
  };
}
