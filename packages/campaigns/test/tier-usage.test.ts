import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tierUsage } from "../src/index.js";
import { insertMessages, openTestDb, seedCustomers, type TestDb } from "./support.js";

let h: TestDb;
const now = Date.now();
const ago = (ms: number): Date => new Date(now - ms);
const H = 3600_000;

beforeAll(async () => {
  h = await openTestDb();
  await seedCustomers(
    h.db,
    Array.from({ length: 9 }, (_, i) => ({ customer_id: `628120000000${i}` })),
  );
  await insertMessages(h.db, null, [
    { customer_id: "6281200000000", status: "sent", created_at: ago(20 * H) }, // counts; frees at +4 h
    { customer_id: "6281200000001", status: "queued", created_at: ago(10 * H) }, // counts
    { customer_id: "6281200000001", status: "delivered", created_at: ago(23 * H) }, // same customer: still one
    { customer_id: "6281200000002", status: "read", created_at: ago(2 * H) }, // counts
    { customer_id: "6281200000003", status: "failed", created_at: ago(1 * H) }, // failed: no
    { customer_id: "6281200000004", status: "cancelled", created_at: ago(1 * H) }, // cancelled: no
    { customer_id: "6281200000005", status: "sent", created_at: ago(25 * H) }, // outside 24 h: no
    { customer_id: "6281200000006", status: "sent", category: "service", created_at: ago(1 * H) }, // service: no
  ]);
});
afterAll(async () => h?.close());

describe("tierUsage", () => {
  it("counts unique recipients of business-initiated messages in the moving 24 h", async () => {
    const u = await tierUsage(h.db, { name: "TIER_250", limit: 250 }, now, "default");
    expect(u).toMatchObject({ used: 3, remaining: 247, resumesAt: null });
  });

  it("says when one more recipient fits once the limit is reached", async () => {
    const u = await tierUsage(h.db, { name: "TIER_3", limit: 3 }, now, "default");
    expect(u).toMatchObject({ used: 3, remaining: 0 });
    expect(u.resumesAt).toBeGreaterThanOrEqual(now + 4 * H - 1000);
    expect(u.resumesAt).toBeLessThanOrEqual(now + 4 * H + 1000);
    const over = await tierUsage(h.db, { name: "TIER_2", limit: 2 }, now, "default");
    // two must age out: the second-oldest "latest message" is customer 1's at -10 h → +14 h
    expect(over.resumesAt).toBeGreaterThanOrEqual(now + 14 * H - 1000);
    expect(over.resumesAt).toBeLessThanOrEqual(now + 14 * H + 1000);
  });

  it("never counts for an unlimited tier", async () => {
    expect(
      await tierUsage(h.db, { name: "TIER_UNLIMITED", limit: Number.POSITIVE_INFINITY }, now, "default"),
    ).toMatchObject({
      used: 0,
      remaining: Number.POSITIVE_INFINITY,
    });
  });
});
