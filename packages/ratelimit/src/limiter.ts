import { setTimeout as sleep } from "node:timers/promises";
import { coalesce } from "@wa/coalesce";
import type { Redis } from "ioredis";
import { peekScript, takeScript } from "./bucket-lua.js";
import { RateLimitError } from "./errors.js";
import { numberBucketKey, numberMpsKey, pairBucketKey } from "./keys.js";
import { createLines } from "./line.js";
import { createLocalBuckets } from "./local-buckets.js";
import { silentLogger, type RateLimitLogger } from "./logger.js";
import { createRedisGuard } from "./redis-guard.js";
import type { LimiterSource, PeekResult, TakeResult } from "./types.js";

export type LimiterOptions = {
  readonly redis: Redis;
  readonly keyPrefix?: string;
  readonly throughputMps?: number; // per phone number, Meta's default 80; 1000 after an upgrade
  readonly pairIntervalMs?: number; // one message per this interval to one recipient (Meta: ~6 s)
  readonly pairBurst?: number; // recipient bucket size; Meta tolerates bursts but wants them paid back
  readonly replicaShare?: number; // 1/N with N replicas: the local fallback's slice of each number's mps
  // The local fallback's number buckets start empty: a replica that loses Redis (even one command timing out on a
  // loaded machine) while the others still pace through it then adds no burst on top of the shared bucket.
  readonly fallbackStartsEmpty?: boolean;
  readonly redisTimeoutMs?: number;
  readonly redisCooldownMs?: number;
  readonly now?: () => number; // local fallback clock; the Redis buckets use Redis server TIME
  readonly log?: RateLimitLogger;
};

type AcquireOptions = {
  readonly signal?: AbortSignal;
  readonly onWait?: (waitMs: number) => void;
};

export type Limiter = {
  take(phoneNumberId: string, recipient?: string): Promise<TakeResult>;
  /**
   * Waits until both tokens are taken; resolves with the ms slept. Rejects only with `signal.reason` on abort.
   * Callers of one process queue per number (first come, first served) for its throughput token; a recipient's
   * pair wait is slept outside that queue, so it never holds back the number's other recipients.
   */
  acquire(phoneNumberId: string, recipient: string | undefined, opts?: AcquireOptions): Promise<number>;
  peek(phoneNumberId: string): Promise<PeekResult>;
  setThroughput(phoneNumberId: string, mps: number): Promise<{ source: LimiterSource }>;
};

export function createLimiter(opts: LimiterOptions): Limiter {
  const prefix = opts.keyPrefix ?? "";
  const defaultMps = inRange("throughputMps", opts.throughputMps ?? 80, 1);
  const pairIntervalMs = inRange("pairIntervalMs", opts.pairIntervalMs ?? 6000, 1);
  const pairBurst = inRange("pairBurst", opts.pairBurst ?? 3, 1);
  const share = inRange("replicaShare", opts.replicaShare ?? 1, Number.MIN_VALUE, 1);
  const now = opts.now ?? Date.now;
  const { redis } = opts;
  // Overrides set through this replica: the local fallback uses them, and Redis uses them when its key is gone.
  const knownMps = new Map<string, number>();
  const mpsOf = (id: string): number => knownMps.get(id) ?? defaultMps;
  const local = createLocalBuckets({
    share,
    pairIntervalMs,
    pairBurst,
    now,
    startEmpty: opts.fallbackStartsEmpty ?? false,
  });
  const lines = createLines();
  // The longest wait a throughput token can cost (a one-token refill, local share included); longer = a pair wait.
  const throughputWaitMax = (id: string): number => Math.ceil(1000 / (mpsOf(id) * share)) + 1;
  const guard = createRedisGuard({
    log: opts.log ?? silentLogger,
    now,
    timeoutMs: opts.redisTimeoutMs ?? 500,
    cooldownMs: opts.redisCooldownMs ?? 1000,
    what: "rate limiter",
  });

  /** One script call for the takes of one number; each message's result as if it had been taken alone. */
  async function takeMany(phoneNumberId: string, recipients: readonly (string | undefined)[]): Promise<TakeResult[]> {
    const keys = [numberBucketKey(prefix, phoneNumberId), numberMpsKey(prefix, phoneNumberId)];
    const slots = new Map<string, number>(); // recipient → its pair bucket's 1-based KEYS index
    const refs = recipients.map((r) => {
      if (r === undefined) return 0;
      if (!slots.has(r)) slots.set(r, keys.push(pairBucketKey(prefix, phoneNumberId, r)));
      return slots.get(r)!;
    });
    const args = [mpsOf(phoneNumberId), pairIntervalMs, pairBurst, ...refs];
    const reply = await guard.run(() => takeScript.run(redis, keys, args));
    if (reply === undefined) return recipients.map((r) => local.take(phoneNumberId, r, mpsOf(phoneNumberId)));
    return (reply as number[]).map((waitMs) =>
      waitMs === 0 ? { ok: true, source: "redis" } : { ok: false, waitMs, source: "redis" },
    );
  }

  const take = async (phoneNumberId: string, recipient?: string): Promise<TakeResult> =>
    (await takeMany(phoneNumberId, [recipient]))[0]!;

  // While nobody waits, the takes of one number that arrive together (a worker's claimed batch) are one script call.
  const batched = new Map<string, (recipient: string | undefined) => Promise<TakeResult>>();
  function takeBatched(phoneNumberId: string, recipient: string | undefined): Promise<TakeResult> {
    let t = batched.get(phoneNumberId);
    if (!t) {
      t = coalesce((rs: readonly (string | undefined)[]) => takeMany(phoneNumberId, rs));
      batched.set(phoneNumberId, t);
    }
    return t(recipient);
  }

  return {
    take,

    async acquire(phoneNumberId, recipient, { signal, onWait } = {}) {
      const pause = (ms: number) =>
        sleep(ms, undefined, { signal }).catch((err: unknown) => {
          throw signal?.aborted ? signal.reason : err;
        });
      let waited = 0;
      for (;;) {
        let dry = 0; // the bucket ran dry on a direct take: wait for the refill at the head of the line
        if (!lines.busy(phoneNumberId)) {
          // Nobody waits: the bucket has tokens, take one without queueing (the takes that arrive together go in one call).
          signal?.throwIfAborted();
          const r = await takeBatched(phoneNumberId, recipient);
          if (r.ok) return waited;
          onWait?.(r.waitMs);
          if (recipient !== undefined && r.waitMs > throughputWaitMax(phoneNumberId)) {
            await pause(r.waitMs); // this recipient's pair limit: nobody else's wait
            waited += r.waitMs;
            continue;
          }
          dry = r.waitMs;
        }
        await lines.enter(phoneNumberId, signal);
        let pairWait = 0;
        try {
          if (dry > 0) {
            await pause(dry);
            waited += dry;
          }
          for (;;) {
            signal?.throwIfAborted();
            const r = await take(phoneNumberId, recipient);
            if (r.ok) return waited;
            onWait?.(r.waitMs);
            if (recipient !== undefined && r.waitMs > throughputWaitMax(phoneNumberId)) {
              pairWait = r.waitMs;
              break;
            }
            await pause(r.waitMs);
            waited += r.waitMs;
          }
        } finally {
          lines.leave(phoneNumberId);
        }
        await pause(pairWait);
        waited += pairWait;
      }
    },

    async peek(phoneNumberId) {
      const keys = [numberBucketKey(prefix, phoneNumberId), numberMpsKey(prefix, phoneNumberId)];
      const reply = await guard.run(() => peekScript.run(redis, keys, [mpsOf(phoneNumberId)]));
      const pair_limit_secs = pairIntervalMs / 1000;
      if (reply === undefined) return { ...local.peek(phoneNumberId, mpsOf(phoneNumberId)), pair_limit_secs };
      const [mps, tokens, used, lastUpdate] = (reply as string[]).map(Number) as [number, number, number, number];
      return {
        capacity_mps: mps,
        tokens_remaining: Math.floor(tokens),
        tokens_used: used,
        last_update_at: Number.isFinite(lastUpdate) && lastUpdate > 0 ? new Date(lastUpdate).toISOString() : null,
        pair_limit_secs,
        source: "redis",
      };
    },

    async setThroughput(phoneNumberId, mps) {
      knownMps.set(phoneNumberId, inRange("mps", mps, 1));
      const stored = await guard.run(() => redis.set(numberMpsKey(prefix, phoneNumberId), String(mps)));
      return { source: stored === undefined ? "local" : "redis" };
    },
  };
}

// A bucket smaller than one token could never grant one: reject such settings up front.
function inRange(name: string, value: number, min: number, max = Number.MAX_VALUE): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RateLimitError("INVALID_ARGUMENT", `${name} must be a number in [${min}, ${max}], got ${value}`);
  }
  return value;
}
