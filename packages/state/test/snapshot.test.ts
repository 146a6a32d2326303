import { createDb } from "@wa/db";
import { describe, expect, it } from "vitest";
import { createStateStore, lockCustomers, reserveFrequencySlot, reserveFrequencySlots } from "../src/index.js";
import { countingRedis, phone, useStateEnv } from "./helpers.js";

const env = useStateEnv();
const H = 60 * 60 * 1000;

describe("getSnapshot: the read behind every compliance decision", () => {
  it("answers a known customer with a warm cache in one Redis round trip and no Postgres", async () => {
    const now = Date.now();
    const writer = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => now });
    const id = phone();
    await writer.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
    await writer.recordInbound({ customerId: id }, now - H);
    const reservation = await env.db
      .transaction()
      .execute((trx) => reserveFrequencySlot(trx, { customerId: id, cap: 2, now }));
    await writer.mirrorReservation({ customerId: id }, reservation, "00000000-0000-4000-8000-000000000001");

    // Postgres unreachable for the reader: a warm read must not need it.
    const deadDb = createDb("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    const counting = countingRedis(env.redis);
    const reader = createStateStore({ db: deadDb, redis: counting.client, keyPrefix: env.prefix, now: () => now });
    try {
      const snap = await reader.getSnapshot({ customerId: id });
      expect(counting.trips()).toBe(1);
      expect(snap.customer?.consent.marketing.status).toBe("granted");
      expect(snap.window).toMatchObject({ open: true, remainingMs: 23 * H });
      expect(snap.slots).toHaveLength(1);
    } finally {
      await deadDb.destroy();
    }
  });

  it("mirrors a batch's slots (a customer twice included) in one Redis round trip, readable without Postgres", async () => {
    const now = Date.now();
    const [a, b] = [phone(), phone()];
    const counting = countingRedis(env.redis);
    const writer = createStateStore({ db: env.db, redis: counting.client, keyPrefix: env.prefix, now: () => now });
    for (const id of [a, b]) await writer.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
    const wanted = [a, b, a];
    const slots = await env.db.transaction().execute(async (trx) => {
      await lockCustomers(trx, "whatsapp", wanted);
      return reserveFrequencySlots(trx, { channel: "whatsapp", customerIds: wanted, cap: 5, now });
    });
    const ids = [
      "00000000-0000-4000-8000-00000000000a",
      "00000000-0000-4000-8000-00000000000b",
      "00000000-0000-4000-8000-00000000000c",
    ];
    // The script is loaded once per Redis server (EVALSHA, then EVAL on NOSCRIPT): load it before counting.
    await writer.mirrorReservations([{ key: { customerId: phone() }, reservation: slots[1]!, messageId: ids[1]! }]);
    const before = counting.trips();
    await writer.mirrorReservations(
      wanted.map((id, k) => ({ key: { customerId: id }, reservation: slots[k]!, messageId: ids[k]! })),
    );
    expect(counting.trips() - before).toBe(1);

    const deadDb = createDb("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    const reader = createStateStore({ db: deadDb, redis: env.redis, keyPrefix: env.prefix, now: () => now });
    try {
      expect((await reader.getSnapshot({ customerId: a })).slots.map((x) => x.slotId).toSorted()).toEqual([
        ids[0],
        ids[2],
      ]);
      expect((await reader.getSnapshot({ customerId: b })).slots.map((x) => x.slotId)).toEqual([ids[1]]);
    } finally {
      await deadDb.destroy();
    }
  });

  it("knows a closed window without asking Postgres when the customer wrote more than 24 h ago", async () => {
    const now = Date.now();
    const writer = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => now - 30 * H });
    const id = phone();
    await writer.recordInbound({ customerId: id }, now - 30 * H); // no conv key: expired at write time
    await createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => now }).getSnapshot({
      customerId: id,
    });

    const deadDb = createDb("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    const counting = countingRedis(env.redis);
    const reader = createStateStore({ db: deadDb, redis: counting.client, keyPrefix: env.prefix, now: () => now });
    try {
      const snap = await reader.getSnapshot({ customerId: id });
      expect(snap.window.open).toBe(false);
      expect(snap.slots).toEqual([]);
      expect(counting.trips()).toBe(1);
    } finally {
      await deadDb.destroy();
    }
  });

  it("fills every missing part from Postgres and puts it back", async () => {
    const now = Date.now();
    const s = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => now });
    const id = phone();
    await s.recordInbound({ customerId: id }, now - H);
    await s.invalidate({ customerId: id });
    const snap = await s.getSnapshot({ customerId: id });
    expect(snap.customer?.customerId).toBe(id);
    expect(snap.window.open).toBe(true);
    for (const key of [`conv:${id}:whatsapp:-`, `cust:${id}:whatsapp`, `freq:${id}:whatsapp:seeded`]) {
      expect(await env.redis.exists(`${env.prefix}${key}`)).toBe(1);
    }
    const unknown = await s.getSnapshot({ customerId: phone() });
    expect(unknown).toMatchObject({ customer: null, window: { open: false }, slots: [] });
  });
});
