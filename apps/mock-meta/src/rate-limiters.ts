/** Lazy-refill token bucket: `capacity` tokens, refilled continuously at `perMs` tokens per millisecond. */
export interface Bucket {
  tokens: number;
  last: number;
}

export function takeToken(bucket: Bucket, capacity: number, perMs: number, now: number): boolean {
  const elapsed = now - bucket.last;
  if (elapsed > 0) {
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * perMs);
    bucket.last = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  return false;
}

export interface KeyedLimiter {
  take(key: string, now: number): boolean;
  configure(capacity: number, perMs: number): void;
  clear(): void;
}

const PRUNE_AT = 50_000;

/** One bucket per key (phone number id, or phone id + recipient); full idle buckets are pruned. */
export function createKeyedLimiter(capacity: number, perMs: number): KeyedLimiter {
  const buckets = new Map<string, Bucket>();
  let cap = capacity;
  let rate = perMs;
  const prune = (now: number): void => {
    for (const [key, b] of buckets) if (b.tokens + (now - b.last) * rate >= cap) buckets.delete(key);
  };
  return {
    take(key, now) {
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= PRUNE_AT) prune(now);
        bucket = { tokens: cap, last: now };
        buckets.set(key, bucket);
      }
      return takeToken(bucket, cap, rate, now);
    },
    configure(nextCapacity, nextPerMs) {
      cap = nextCapacity;
      rate = nextPerMs;
    },
    clear() {
      buckets.clear();
    },
  };
}
