import type { LogLike } from "@wa/observability";
import type { TierSource } from "./fan-out.js";
import type { CampaignNumber } from "./number.js";
import { FALLBACK_TIER, parseTier, type MessagingTier } from "./tiers.js";
import type { Clock } from "./types.js";

export interface TierSourceOptions {
  readonly override?: string; // MESSAGING_LIMIT_TIER: the operator's word, for every business of the deployment
  /**
   * Reads the tier from Meta (`whatsapp_business_manager_messaging_limit` of one of the business's numbers, with
   * its WABA's token); null or a throw = unknown.
   */
  readonly fromMeta?: (number: CampaignNumber) => Promise<string | null>;
  readonly log: LogLike;
  readonly ttlMs?: number; // how long a tier read from Meta is trusted; default 10 min
  readonly now?: Clock;
}

/**
 * Per business portfolio: config override first, else Meta's answer (cached per business), else the tier last
 * stored for the business (`businesses.messaging_limit_tier`, from webhooks), else the most cautious (TIER_250).
 */
export function createTierSource(opts: TierSourceOptions): TierSource {
  if (opts.override !== undefined) {
    const fixed = parseTier(opts.override);
    if (!fixed) throw new Error(`MESSAGING_LIMIT_TIER "${opts.override}" is not a messaging-limit tier`);
    return async () => fixed;
  }
  const clock = opts.now ?? Date.now;
  const cache = new Map<string, { tier: MessagingTier; at: number }>(); // business_id → last answer from Meta
  return async (number) => {
    const t = clock();
    const cached = cache.get(number.businessId);
    if (cached && t - cached.at < (opts.ttlMs ?? 600_000)) return cached.tier;
    let tier: MessagingTier | null = null;
    try {
      const raw = (await opts.fromMeta?.(number)) ?? null;
      tier = parseTier(raw);
      if (raw !== null && !tier)
        opts.log.warn({ tier: raw, business_id: number.businessId }, "unknown messaging-limit tier from Meta");
    } catch (err) {
      opts.log.warn({ err, business_id: number.businessId }, "could not read the messaging-limit tier from Meta");
    }
    if (!tier) return cached?.tier ?? parseTier(number.messagingLimitTier) ?? FALLBACK_TIER;
    cache.set(number.businessId, { tier, at: t });
    return tier;
  };
}
