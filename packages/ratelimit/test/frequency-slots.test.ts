import { redisPrefix, TEST_REDIS_URL, uniqueId } from "@wa/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFrequencySlots, createRedis, type SlotEntry } from "../src/index.js";
import { deleteKeys, ready } from "./redis-helpers.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const prefix = redisPrefix();
const clients: Redis[] = [];
let redis: Redis;

beforeAll(async () => {
  for (let i = 0; i < 4; i++) clients.push(await ready(createRedis(TEST_REDIS_URL)));
  const lazy = createRedis(TEST_REDIS_URL, { lazy: true });
  await lazy.connect(); // resolves once ready; without it the first command fails (no offline queue)
  clients.push(lazy);
  redis = clients[0] as Redis;
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await Promise.all(clients.map((c) => c.quit()));
});

describe("reserve", () => {
  it("grants exactly the cap to 50 concurrent reservations over several connections", async () => {
    const customer = uniqueId("c");
    const slots = clients.map((c) => createFrequencySlots({ redis: c, keyPrefix: prefix }));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => slots[i % slots.length]?.reserve(customer, `m${i}`, 2)),
    );
    expect(results.filter((r) => r?.ok)).toHaveLength(2);
    const denied = results.filter((r) => r && !r.ok);
    expect(denied).toHaveLength(48);
    expect(denied.every((r) => r?.count === 2)).toBe(true);
    expect((await slots[0]?.count(customer))?.count).toBe(2);
  });

  it("is idempotent for the same slot id", async () => {
    const slots = createFrequencySlots({ redis, keyPrefix: prefix });
    const customer = uniqueId("c");
    expect(await slots.reserve(customer, "m1", 2)).toEqual({ ok: true, count: 1 });
    expect(await slots.reserve(customer, "m1", 2)).toEqual({ ok: true, count: 1 });
    expect(await slots.reserve(customer, "m2", 2)).toEqual({ ok: true, count: 2 });
    expect(await slots.reserve(customer, "m1", 2)).toEqual({ ok: true, count: 2 }); // already held at the cap
  });

  it("frees a slot on release", async () => {
    const slots = createFrequencySlots({ redis, keyPrefix: prefix });
    const customer = uniqueId("c");
    await slots.reserve(customer, "a", 2);
    await slots.reserve(customer, "b", 2);
    expect(await slots.reserve(customer, "c", 2)).toMatchObject({ ok: false, count: 2 });
    expect(await slots.release(customer, "a")).toBe(true);
    expect(await slots.release(customer, "a")).toBe(false);
    expect(await slots.reserve(customer, "c", 2)).toEqual({ ok: true, count: 2 });
  });

  it("rolls the window: a slot frees exactly windowMs after it was taken", async () => {
    const t0 = Date.UTC(2026, 0, 10, 9);
    let clock = t0;
    const slots = createFrequencySlots({ redis, keyPrefix: prefix, now: () => clock });
    const customer = uniqueId("c");
    await slots.reserve(customer, "a", 2);
    clock = t0 + HOUR;
    await slots.reserve(customer, "b", 2);
    expect(await slots.reserve(customer, "c", 2)).toEqual({ ok: false, count: 2, resetsAt: t0 + DAY });
    expect(await slots.count(customer)).toEqual({ count: 2, oldestAt: t0, resetsAt: t0 + DAY });

    clock = t0 + DAY - 1;
    expect(await slots.reserve(customer, "c", 2)).toMatchObject({ ok: false });
    clock = t0 + DAY;
    expect(await slots.reserve(customer, "c", 2)).toEqual({ ok: true, count: 2 });
    expect(await slots.count(customer)).toEqual({ count: 2, oldestAt: t0 + HOUR, resetsAt: t0 + HOUR + DAY });
  });

  it("names when the next slot frees when a seeded history is above the cap", async () => {
    const now = Date.UTC(2026, 0, 10, 9);
    const slots = createFrequencySlots({ redis, keyPrefix: prefix, now: () => now });
    const customer = uniqueId("c");
    await slots.seed(customer, [1, 2, 3].map((h) => ({ slotId: `h${h}`, at: now - h * HOUR })));
    // Three held, cap 2: a slot frees when the count drops to 1, i.e. when the 2nd oldest expires.
    expect(await slots.reserve(customer, "new", 2)).toEqual({ ok: false, count: 3, resetsAt: now - 2 * HOUR + DAY });
    await expect(slots.reserve(customer, "x", 0)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("seeding from the truth", () => {
  it("loads history once when Redis has no set for the customer, ignoring entries outside the window", async () => {
    const now = Date.UTC(2026, 0, 10, 9);
    const customer = uniqueId("c");
    const calls: string[] = [];
    const history: SlotEntry[] = [
      { slotId: "old", at: now - DAY - HOUR },
      { slotId: "recent", at: now - HOUR },
    ];
    const slots = createFrequencySlots({
      redis,
      keyPrefix: prefix,
      now: () => now,
      loadHistory: async (key) => {
        calls.push(key);
        return history;
      },
    });
    expect(await slots.count(customer)).toEqual({ count: 1, oldestAt: now - HOUR, resetsAt: now - HOUR + DAY });
    expect(await slots.reserve(customer, "m1", 2)).toEqual({ ok: true, count: 2 });
    expect(await slots.reserve(customer, "m2", 2)).toMatchObject({ ok: false, count: 2 });
    expect(calls).toEqual([customer]);
  });

  it("seed merges, so a reservation made after the Postgres read survives", async () => {
    const slots = createFrequencySlots({ redis, keyPrefix: prefix });
    const customer = uniqueId("c");
    await slots.reserve(customer, "live", 3);
    const at = Date.now() - 1000;
    expect(await slots.seed(customer, [{ slotId: "pg1", at }])).toBe(2);
    expect(await slots.seed(customer, [{ slotId: "pg1", at }])).toBe(2);
    expect((await slots.count(customer)).count).toBe(2);
  });

  it("survives SCRIPT FLUSH", async () => {
    const slots = createFrequencySlots({ redis, keyPrefix: prefix });
    const customer = uniqueId("c");
    await redis.script("FLUSH");
    expect(await slots.reserve(customer, "a", 1)).toEqual({ ok: true, count: 1 });
  });
});

describe("Redis down", () => {
  it("throws REDIS_UNAVAILABLE so the caller can count in Postgres", async () => {
    const down = createRedis("redis://127.0.0.1:1", { commandTimeoutMs: 100 });
    try {
      const slots = createFrequencySlots({ redis: down, keyPrefix: prefix });
      await expect(slots.reserve("c", "m", 2)).rejects.toMatchObject({ name: "RateLimitError", code: "REDIS_UNAVAILABLE" });
      await expect(slots.count("c")).rejects.toMatchObject({ code: "REDIS_UNAVAILABLE" });
    } finally {
      down.disconnect();
    }
  });
});
