import type { PeekResult, TakeResult } from "./types.js";

type Bucket = { tokens: number; ts: number; window: number; used: number };

export type LocalBucketsOptions = {
  readonly share: number; // this replica's fraction of each number's throughput
  readonly pairIntervalMs: number;
  readonly pairBurst: number;
  readonly startEmpty?: boolean; // a number's bucket starts with no token instead of a full second
  readonly now: () => number;
};

export type LocalBuckets = {
  take(phoneNumberId: string, recipient: string | undefined, mps: number): TakeResult;
  peek(phoneNumberId: string, mps: number): Omit<PeekResult, "pair_limit_secs">;
};

const MAX_PAIRS = 10_000; // past this many, idle (refilled) pair buckets are dropped: bounds memory in a long outage

/** In-process twin of the Redis scripts, used only while Redis is unreachable. */
export function createLocalBuckets(opts: LocalBucketsOptions): LocalBuckets {
  const numbers = new Map<string, Bucket>();
  const pairs = new Map<string, Bucket>();

  function refill(b: Bucket | undefined, cap: number, perMs: number, now: number, empty = false): Bucket {
    if (!b) return { tokens: empty ? 0 : cap, ts: now, window: 0, used: 0 };
    return { ...b, tokens: Math.min(cap, b.tokens + Math.max(0, now - b.ts) * perMs), ts: now };
  }

  function prunePairs(now: number): void {
    if (pairs.size < MAX_PAIRS) return;
    const idleMs = opts.pairBurst * opts.pairIntervalMs;
    for (const [key, b] of pairs) if (now - b.ts >= idleMs) pairs.delete(key);
  }

  return {
    take(phoneNumberId, recipient, mps) {
      const now = opts.now();
      const cap = Math.max(1, mps * opts.share);
      const seen = numbers.get(phoneNumberId);
      const num = refill(seen, cap, (mps * opts.share) / 1000, now, opts.startEmpty);
      if (!seen) numbers.set(phoneNumberId, num); // an empty start must be remembered, or it never refills
      let waitMs = num.tokens < 1 ? ((1 - num.tokens) * 1000) / (mps * opts.share) : 0;
      const pairKey = recipient === undefined ? undefined : `${phoneNumberId}\u0000${recipient}`;
      const pair =
        pairKey === undefined ? undefined : refill(pairs.get(pairKey), opts.pairBurst, 1 / opts.pairIntervalMs, now);
      if (pair && pair.tokens < 1) waitMs = Math.max(waitMs, (1 - pair.tokens) * opts.pairIntervalMs);
      if (waitMs > 0) return { ok: false, waitMs: Math.max(1, Math.ceil(waitMs)), source: "local" };

      const second = Math.floor(now / 1000);
      numbers.set(phoneNumberId, {
        tokens: num.tokens - 1,
        ts: now,
        window: second,
        used: num.window === second ? num.used + 1 : 1,
      });
      if (pairKey !== undefined && pair) {
        prunePairs(now);
        pairs.set(pairKey, { ...pair, tokens: pair.tokens - 1 });
      }
      return { ok: true, source: "local" };
    },

    peek(phoneNumberId, mps) {
      const now = opts.now();
      const stored = numbers.get(phoneNumberId);
      const b = refill(stored, Math.max(1, mps * opts.share), (mps * opts.share) / 1000, now);
      return {
        capacity_mps: mps * opts.share,
        tokens_remaining: Math.floor(b.tokens),
        tokens_used: b.window === Math.floor(now / 1000) ? b.used : 0,
        last_update_at: stored ? new Date(stored.ts).toISOString() : null,
        source: "local",
      };
    },
  };
}
