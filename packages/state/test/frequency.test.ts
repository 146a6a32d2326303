import { describe, expect, it } from "vitest";
import { createStateStore, type FrequencyReservation, reserveFrequencySlot } from "../src/index.js";
import { phone, useStateEnv } from "./helpers.js";

const env = useStateEnv();
const H = 60 * 60 * 1000;

/** The enqueue transaction of the send path: reserve, insert the counted message, commit. */
async function enqueueMarketing(customerId: string, cap: number, now: number) {
  return env.db.transaction().execute(async (trx) => {
    const reservation = await reserveFrequencySlot(trx, { customerId, cap, now });
    if (!reservation.ok) return { reservation, messageId: null };
    const row = await trx
      .insertInto("messages")
      .values({
        customer_id: customerId,
        direction: "outbound",
        category: "marketing",
        kind: "template",
        content: JSON.stringify({ template_name: "promo" }),
        status: "queued",
        counts_toward_cap: true,
        queued_at: new Date(reservation.at),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { reservation, messageId: row.id };
  });
}

describe("frequency reservation (exact in Postgres, mirrored to Redis)", () => {
  it("50 concurrent reservations with cap 2 queue exactly 2", async () => {
    const now = Date.now();
    const s = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => now });
    const id = phone();
    await s.upsertCustomer({ customerId: id });
    const results = await Promise.all(Array.from({ length: 50 }, () => enqueueMarketing(id, 2, now)));
    const accepted = results.filter((r) => r.reservation.ok);
    expect(accepted).toHaveLength(2);
    const counted = await env.db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("customer_id", "=", id)
      .where("counts_toward_cap", "=", true)
      .executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBe(2);
    const denied = results.find((r) => !r.reservation.ok)!.reservation as Extract<FrequencyReservation, { ok: false }>;
    expect(denied).toMatchObject({ count: 2, cap: 2, resetsAt: now + 24 * H });

    for (const r of accepted) await s.mirrorReservation({ customerId: id }, r.reservation, r.messageId!);
    expect((await s.getSnapshot({ customerId: id })).slots.map((e) => e.slotId).toSorted()).toEqual(
      accepted.map((r) => r.messageId).toSorted(),
    );
  });

  it("counts the rolling 24 h and answers when the next slot frees", async () => {
    const t0 = Date.parse("2025-06-01T08:00:00Z");
    const id = phone();
    expect((await enqueueMarketing(id, 2, t0)).reservation.ok).toBe(true);
    expect((await enqueueMarketing(id, 2, t0 + 2 * H)).reservation.ok).toBe(true);
    const third = await enqueueMarketing(id, 2, t0 + 3 * H);
    expect(third.reservation).toMatchObject({ ok: false, count: 2, resetsAt: t0 + 24 * H });
    const lowered = await enqueueMarketing(id, 1, t0 + 3 * H); // cap lowered: the newer one must age out
    expect(lowered.reservation).toMatchObject({ ok: false, count: 2, resetsAt: t0 + 26 * H });
    expect((await enqueueMarketing(id, 2, t0 + 24 * H + 1)).reservation).toMatchObject({ ok: true, count: 2 });
    expect((await enqueueMarketing(id, 0, t0)).reservation.ok).toBe(false); // cap 0: marketing off
  });

  it("releases a slot in Postgres and in the mirror", async () => {
    const now = Date.now();
    const s = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => now });
    const id = phone();
    const a = await enqueueMarketing(id, 2, now);
    const b = await enqueueMarketing(id, 2, now + 1);
    await s.mirrorReservation({ customerId: id }, a.reservation, a.messageId!);
    await s.mirrorReservation({ customerId: id }, b.reservation, b.messageId!);
    expect((await s.getSnapshot({ customerId: id })).slots).toHaveLength(2);
    expect(await s.releaseFrequencySlot(a.messageId!)).toEqual({ released: true });
    expect(await s.releaseFrequencySlot(a.messageId!)).toEqual({ released: false });
    expect(await s.releaseFrequencySlot("nope")).toEqual({ released: false });
    expect((await s.getSnapshot({ customerId: id })).slots.map((e) => e.slotId)).toEqual([b.messageId]);
    expect((await enqueueMarketing(id, 2, now + 2)).reservation.ok).toBe(true);
  });

  it("seeds the mirror from Postgres when it is missing", async () => {
    const now = Date.now();
    const s = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => now });
    const id = phone();
    const a = await enqueueMarketing(id, 5, now - H); // committed, never mirrored
    const snap = await s.getSnapshot({ customerId: id });
    expect(snap.slots).toEqual([{ slotId: a.messageId, at: now - H }]);
    expect(await env.redis.zcard(`${env.prefix}freq:${id}:whatsapp`)).toBe(1);
    expect(await env.redis.exists(`${env.prefix}freq:${id}:whatsapp:seeded`)).toBe(1);
  });
});
