import { createLimiter, type Limiter, type TakeResult } from "@wa/ratelimit";
import type { Redis } from "ioredis";
import type { Logger } from "@wa/observability";

export interface KeyRate {
  /** Takes one request token for the key; `perSec` is the key's own rate or the gateway's default. */
  take(keyId: string, perSec: number): Promise<TakeResult>;
}

/**
 * Per-key token buckets (one second of burst) in Redis, shared by every replica; @wa/ratelimit's buckets, keyed
 * by the key id. When Redis does not answer, each replica falls back to its own in-process bucket at the full
 * rate (so N replicas may allow up to N× for the outage): agents keep working, a key is still bounded.
 */
export function createKeyRate(opts: { redis: Redis; keyPrefix: string; log: Logger }): KeyRate {
  const byRate = new Map<number, Limiter>();
  return {
    take(keyId, perSec) {
      let limiter = byRate.get(perSec);
      if (!limiter) {
        limiter = createLimiter({
          redis: opts.redis,
          keyPrefix: `${opts.keyPrefix}mcp-rate:${perSec}:`,
          throughputMps: perSec,
          log: opts.log,
        });
        byRate.set(perSec, limiter);
      }
      return limiter.take(`key-${keyId}`);
    },
  };
}
