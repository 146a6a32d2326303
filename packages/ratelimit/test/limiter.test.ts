import { setTimeout as sleep } from "node:timers/promises";
import { redisPrefix, TEST_REDIS_URL, uniqueId } from "@wa/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeScript } from "../src/bucket-lua.js";
import { createLimiter, createRedis, type TakeResult } from "../src/index.js";
import { deleteKeys, ready } from "./redis-helpers.js";

const prefix = redisPrefix();
let redis: Redis;

beforeAll(async () => {
  redis = await ready(createRedis(TEST_REDIS_URL));
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

/** A limiter whose recipients get one message per `pairIntervalMs`, no burst. */
const onePerPair = (throughputMps: number, pairIntervalMs: number) =>
  createLimiter({ redis, keyPrefix: prefix, throughputMps, pairIntervalMs, pairBurst: 1 });

async function takeMany(n: number, take: () => Promise<TakeResult>): Promise<TakeResult[]> {
  const out: TakeResult[] = [];
  for (let i = 0; i < n; i++) out.push(await take());
  return out;
}

describe("number bucket", () => {
  it("grants a full bucket then asks to wait, and refills over time", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix, throughputMps: 5 });
    const pn = uniqueId("pn");
    const results = await takeMany(6, () => limiter.take(pn));
    expect(results.slice(0, 5).every((r) => r.ok && r.source === "redis")).toBe(true);
    const last = results[5];
    expect(last?.ok).toBe(false);
    const waitMs = last && !last.ok ? last.waitMs : 0;
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(200); // one token per 200 ms at 5 mps

    await sleep(waitMs + 30);
    expect((await limiter.take(pn)).ok).toBe(true);
  });

  it("does not touch a pair bucket when the number says wait", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix, throughputMps: 1, pairBurst: 1, pairIntervalMs: 10_000 });
    const pn = uniqueId("pn");
    expect((await limiter.take(pn, "a")).ok).toBe(true);
    const denied = await limiter.take(pn, "b");
    expect(denied.ok).toBe(false);
    await sleep(denied.ok ? 0 : denied.waitMs + 30);
    // Had the denied call spent b's only pair token, b would now wait ~10 s.
    expect((await limiter.take(pn, "b")).ok).toBe(true);
  });

  it("uses a per-number throughput set in Redis, shared by every replica", async () => {
    const pn = uniqueId("pn");
    const a = createLimiter({ redis, keyPrefix: prefix, throughputMps: 2 });
    const b = createLimiter({ redis, keyPrefix: prefix, throughputMps: 2 });
    expect(await a.setThroughput(pn, 1000)).toEqual({ source: "redis" });
    const results = await takeMany(10, () => b.take(pn));
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await b.peek(pn)).capacity_mps).toBe(1000);
    await expect(a.setThroughput(pn, 0)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("pair bucket", () => {
  it("allows a burst to one recipient, then about one per interval; other recipients are unaffected", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix, throughputMps: 1000, pairIntervalMs: 300, pairBurst: 2 });
    const pn = uniqueId("pn");
    const [a, b, c] = await takeMany(3, () => limiter.take(pn, "6281111"));
    expect(a?.ok && b?.ok).toBe(true);
    expect(c?.ok).toBe(false);
    const waitMs = c && !c.ok ? c.waitMs : 0;
    expect(waitMs).toBeGreaterThan(150);
    expect(waitMs).toBeLessThanOrEqual(300);
    expect((await limiter.take(pn, "6282222")).ok).toBe(true);

    await sleep(waitMs + 30);
    expect((await limiter.take(pn, "6281111")).ok).toBe(true);
  });

  it("does not spend the number token when the pair says wait", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix, throughputMps: 3, pairBurst: 1, pairIntervalMs: 10_000 });
    const pn = uniqueId("pn");
    expect((await limiter.take(pn, "a")).ok).toBe(true);
    const denied = await takeMany(5, () => limiter.take(pn, "a"));
    expect(denied.every((r) => !r.ok && r.waitMs > 9000)).toBe(true);
    // Two number tokens are left: they would be gone had the five denied calls spent them.
    expect((await limiter.take(pn, "b")).ok).toBe(true);
    expect((await limiter.take(pn, "c")).ok).toBe(true);
    expect((await limiter.take(pn, "d")).ok).toBe(false);
  });
});

describe("acquire", () => {
  it("waits for a token, reporting each wait, and resolves with the time waited", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix, throughputMps: 2 });
    const pn = uniqueId("pn");
    expect(await limiter.acquire(pn, undefined)).toBe(0);
    expect(await limiter.acquire(pn, undefined)).toBe(0);
    const waits: number[] = [];
    const waited = await limiter.acquire(pn, undefined, { onWait: (ms) => waits.push(ms) });
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits.every((ms) => ms > 0)).toBe(true);
    expect(waited).toBe(waits.reduce((s, ms) => s + ms, 0));
  });

  it("stops waiting when the signal aborts, with the signal's reason", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix, throughputMps: 1, pairIntervalMs: 60_000, pairBurst: 1 });
    const pn = uniqueId("pn");
    await limiter.acquire(pn, "r");
    const stop = new AbortController();
    const reason = new Error("shutting down");
    const pending = limiter.acquire(pn, "r", { signal: stop.signal, onWait: () => stop.abort(reason) });
    await expect(pending).rejects.toBe(reason);
  });
});

describe("acquire: one line per number in this process", () => {
  it("many waiters of one number take turns (first come, first served) with one Redis caller at a time", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix, throughputMps: 20 });
    const pn = uniqueId("pn");
    await takeMany(20, () => limiter.take(pn)); // empty bucket: every acquire below waits
    const order: number[] = [];
    let waits = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limiter.acquire(pn, `r${i}`, { onWait: () => (waits += 1) }).then(() => order.push(i)),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400); // 10 tokens at 20/s
    // Only the head asks: about one wait per token, not every waiter after every refill (10 × 10 = 100).
    expect(waits).toBeLessThan(30);
  });

  it("while the bucket has tokens nobody queues: the takes that arrive together are one script call", async () => {
    // A round trip per message cost the delivery worker more than the script's work (issue 19).
    let calls = 0;
    const counted = new Proxy(redis, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop !== "evalsha") return value.bind(target);
        return (...args: unknown[]) => {
          calls += 1;
          return value.apply(target, args);
        };
      },
    });
    const limiter = createLimiter({ redis: counted, keyPrefix: prefix, throughputMps: 1000 });
    const pn = uniqueId("pn");
    await limiter.take(pn); // loads the script
    calls = 0;
    const waited = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.acquire(pn, `r${i}`)));
    expect(waited.every((ms) => ms === 0)).toBe(true);
    expect(calls).toBe(1);
    expect((await limiter.peek(pn)).tokens_used).toBe(21);
  });

  it("a batch is answered as if taken one by one: a pair refused spends no number token", async () => {
    const limiter = onePerPair(3, 60_000);
    const pn = uniqueId("pn");
    const stop = new AbortController();
    const go = (to: string) => limiter.acquire(pn, to, { signal: stop.signal }).catch(() => "aborted" as const);
    // a takes both buckets' tokens; a again is refused by its pair (60 s), which leaves the number's two tokens
    // to b and c; d finds the number dry and gets the next token, a third of a second later.
    const all = ["a", "a", "b", "c", "d"].map(go);
    const [a1, b, c, d] = await Promise.all([all[0], all[2], all[3], all[4]]);
    stop.abort(new Error("done"));
    expect([a1, b, c]).toEqual([0, 0, 0]);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(700); // had the refused a spent a token, c would have waited and d two tokens' time
    expect(await all[1]).toBe("aborted");
  });

  it("a recipient's pair wait is slept outside the line: the number's other recipients go meanwhile", async () => {
    const limiter = onePerPair(1000, 10_000);
    const pn = uniqueId("pn");
    await limiter.acquire(pn, "busy"); // its pair token is spent for 10 s
    const stop = new AbortController();
    const blocked = limiter.acquire(pn, "busy", { signal: stop.signal }).catch(() => "aborted");
    await sleep(20);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await limiter.acquire(pn, `other${i}`);
    expect(Date.now() - t0).toBeLessThan(1000);
    stop.abort(new Error("done"));
    expect(await blocked).toBe("aborted");
  });
});

describe("scripts", () => {
  it("keeps working after SCRIPT FLUSH (NOSCRIPT → EVAL reload)", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix });
    const pn = uniqueId("pn");
    expect((await limiter.take(pn, "x")).source).toBe("redis");
    await redis.script("FLUSH");
    expect(await redis.script("EXISTS", takeScript.sha)).toEqual([0]);
    expect(await limiter.take(pn, "y")).toEqual({ ok: true, source: "redis" });
    expect(await redis.script("EXISTS", takeScript.sha)).toEqual([1]); // cached again for EVALSHA
    expect((await limiter.peek(pn)).source).toBe("redis");
    await redis.script("FLUSH");
    expect((await limiter.peek(pn)).source).toBe("redis");
  });
});

describe("peek", () => {
  it("reports an idle number as a full bucket", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix });
    expect(await limiter.peek(uniqueId("pn"))).toEqual({
      capacity_mps: 80,
      tokens_remaining: 80,
      tokens_used: 0,
      last_update_at: null,
      pair_limit_secs: 6,
      source: "redis",
    });
  });

  it("reports what was taken", async () => {
    const limiter = createLimiter({ redis, keyPrefix: prefix });
    const pn = uniqueId("pn");
    await takeMany(3, () => limiter.take(pn, "r"));
    const p = await limiter.peek(pn);
    expect(p.capacity_mps).toBe(80);
    expect(p.tokens_remaining).toBeGreaterThanOrEqual(77);
    expect(p.tokens_remaining).toBeLessThan(80);
    expect(p.tokens_used).toBeLessThanOrEqual(3); // counts the current second only
    expect(Math.abs(Date.parse(p.last_update_at ?? "") - Date.now())).toBeLessThan(5000);
  });
});

describe("client keyPrefix", () => {
  it("applies to the script's keys as well as the limiter's own prefix", async () => {
    const clientPrefix = `${prefix}client:`;
    const prefixed = await ready(createRedis(TEST_REDIS_URL, { keyPrefix: clientPrefix }));
    try {
      const limiter = createLimiter({ redis: prefixed, keyPrefix: "lim:" });
      const pn = uniqueId("pn");
      expect((await limiter.take(pn, "r")).source).toBe("redis");
      expect(await redis.exists(`${clientPrefix}lim:rl:{${pn}}:n`, `${clientPrefix}lim:rl:{${pn}}:p:r`)).toBe(2);
    } finally {
      await prefixed.quit();
    }
  });
});
