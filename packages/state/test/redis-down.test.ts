import { createRedis } from "@wa/ratelimit";
import { afterAll, describe, expect, it } from "vitest";
import { createStateStore, reserveFrequencySlot } from "../src/index.js";
import { phone, useStateEnv } from "./helpers.js";

const env = useStateEnv();
const H = 60 * 60 * 1000;
const down = createRedis("redis://127.0.0.1:1", { commandTimeoutMs: 50 });
afterAll(() => down.disconnect());

describe("with Redis unreachable", () => {
  it("every read and write works from Postgres, and the outage is logged once", async () => {
    const warnings: string[] = [];
    const log = { warn: (_o: object, m?: string) => warnings.push(m ?? ""), info: () => {} };
    const now = Date.now();
    const s = createStateStore({
      db: env.db,
      redis: down,
      keyPrefix: env.prefix,
      now: () => now,
      log,
      redisTimeoutMs: 50,
    });
    const id = phone();

    const customer = await s.upsertCustomer({ customerId: id });
    expect(customer.timezone).toBe("Asia/Jakarta");
    expect((await s.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" })).changed).toEqual([
      "marketing",
    ]);
    expect((await s.updateTags({ customerId: id }, { add: ["vip"] })).ok).toBe(true);
    const { window } = await s.recordInbound({ customerId: id }, now - H);
    expect(window.open).toBe(true);
    const reservation = await env.db
      .transaction()
      .execute((trx) => reserveFrequencySlot(trx, { customerId: id, cap: 2, now }));
    await s.mirrorReservation({ customerId: id }, reservation, "00000000-0000-4000-8000-000000000002");

    expect(await s.getCustomer({ customerId: id })).toMatchObject({
      tags: ["vip"],
      consent: { marketing: { status: "granted" } },
    });
    expect(await s.getWindow({ customerId: id })).toMatchObject({ open: true, remainingMs: 23 * H });
    const snap = await s.getSnapshot({ customerId: id });
    expect(snap).toMatchObject({ customer: { customerId: id }, window: { open: true }, slots: [] });
    expect((await s.listConversations({})).total).toBeGreaterThanOrEqual(1);
    expect((await s.archiveConversation(window.conversationId!)).ok).toBe(false); // still open: CONVERSATION_ACTIVE
    expect(await s.releaseFrequencySlot("00000000-0000-4000-8000-000000000002")).toEqual({ released: false });
    expect(s.redisHealthy()).toBe(false);
    expect(warnings).toHaveLength(1);
  });
});
