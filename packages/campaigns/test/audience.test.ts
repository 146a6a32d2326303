import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audiencePage, estimateAudience, parseAudienceFilter, type AudienceFilter } from "../src/index.js";
import { openTestDb, seedCustomers, type TestDb } from "./support.js";

let h: TestDb;
const now = Date.now();
const days = (n: number): Date => new Date(now - n * 86_400_000);

beforeAll(async () => {
  h = await openTestDb();
  await seedCustomers(h.db, [
    { customer_id: "6281100000001", tags: ["vip", "jakarta"], country: "ID", last_inbound_at: days(1) },
    { customer_id: "6281100000002", tags: ["vip"], country: "ID", last_inbound_at: days(40) },
    { customer_id: "6281100000003", tags: ["churned"], country: "ID" },
    { customer_id: "5511900000001", tags: ["vip", "churned"], country: "BR", last_inbound_at: days(2) },
    { customer_id: "5511900000002", tags: [], country: "BR", last_inbound_at: days(3) },
    { customer_id: "447700900001", tags: ["vip"], country: "GB" },
  ]);
  await h.db
    .insertInto("customers")
    .values({ channel: "sms", customer_id: "6281100000009", tags: ["vip"] })
    .execute();
});
afterAll(async () => h?.close());

const f = (input: unknown): AudienceFilter => {
  const r = parseAudienceFilter(input);
  if (!r.ok) throw new Error(r.human_explanation);
  return r.filter;
};

describe("audience", () => {
  it.each([
    [{}, 6],
    [{ include_tags: ["vip"] }, 4],
    [{ include_tags: ["vip", "churned"] }, 5], // any of the tags
    [{ include_tags: ["vip"], exclude_tags: ["churned"] }, 3],
    [{ country_codes: ["id"] }, 3],
    [{ country_codes: ["+55", "GB"] }, 3],
    [{ country_codes: ["62"], active_within_days: 30 }, 1],
    [{ active_within_days: 7, exclude_tags: ["churned"] }, 2],
    [{ include_tags: ["nobody"] }, 0],
  ])("estimate %j = %d (whatsapp only)", async (filter, n) => {
    expect(await estimateAudience(h.db, f(filter), { now })).toBe(n);
  });

  it("pages with a keyset cursor in customer_id order, each customer once", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const ids = await audiencePage(h.db, { filter: f({}), after, limit: 4, now });
      if (ids.length === 0) break;
      seen.push(...ids);
      after = ids.at(-1) ?? null;
    }
    expect(seen).toEqual([...seen].toSorted());
    expect(seen).toHaveLength(6);
    expect(await estimateAudience(h.db, f({}), { now, after: "5511900000002" })).toBe(3);
  });

  it("refuses a bad filter with INVALID_ARGUMENT naming the field", () => {
    for (const bad of [
      { include_tags: ["Has Space"] },
      { country_codes: ["IDN"] },
      { active_within_days: 0 },
      { extra: 1 },
      "vip",
    ]) {
      const r = parseAudienceFilter(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason_code).toBe("INVALID_ARGUMENT");
    }
    expect(parseAudienceFilter({ include_tags: ["VIP", "vip"], exclude_tags: [] })).toEqual({
      ok: true,
      filter: { include_tags: ["vip"] },
    });
    expect(parseAudienceFilter(undefined)).toEqual({ ok: true, filter: {} });
  });
});
