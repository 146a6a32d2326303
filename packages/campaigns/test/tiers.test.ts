import { describe, expect, it } from "vitest";
import { createTierSource, FALLBACK_TIER, parseTier } from "../src/index.js";
import type { CampaignNumber } from "../src/number.js";
import { silentLog } from "./support.js";

const numberOf = (businessId: string, messagingLimitTier: string | null = null): CampaignNumber => ({
  phoneNumberId: `1${businessId.length}0000000000001`,
  displayPhoneNumber: null,
  wabaId: "200000000000001",
  businessId,
  channel: `whatsapp:${businessId}`,
  isDefault: false,
  active: true,
  throughputMps: 80,
  messagingLimitTier,
});
const x = numberOf("x");

describe("parseTier", () => {
  it.each([
    ["TIER_250", 250],
    ["TIER_2K", 2000],
    ["TIER_10K", 10_000],
    ["TIER_100K", 100_000],
    ["tier_1k", 1000],
    ["TIER_50", 50],
    ["TIER_UNLIMITED", Number.POSITIVE_INFINITY],
  ])("%s → %d", (name, limit) => expect(parseTier(name)?.limit).toBe(limit));

  it.each([["" as string], ["TIER_"], ["250"], ["TIER_0"], ["GOLD"]])("%s → null", (name) =>
    expect(parseTier(name)).toBeNull(),
  );
});

describe("createTierSource", () => {
  it("prefers the config override and rejects a bad one", async () => {
    expect(
      await createTierSource({ override: "TIER_2K", log: silentLog, fromMeta: async () => "TIER_250" })(x),
    ).toEqual({ name: "TIER_2K", limit: 2000 });
    expect(() => createTierSource({ override: "TIER_X", log: silentLog })).toThrow(/MESSAGING_LIMIT_TIER/);
  });

  it("caches Meta's answer per business for ttl and falls back to the stored tier, then TIER_250", async () => {
    let t = 0;
    let calls = 0;
    let answer: string | null = "TIER_10K";
    const src = createTierSource({
      log: silentLog,
      ttlMs: 1000,
      now: () => t,
      fromMeta: async () => {
        calls++;
        return answer;
      },
    });
    expect((await src(x)).limit).toBe(10_000);
    answer = "TIER_100K";
    t = 500;
    expect((await src(x)).limit).toBe(10_000);
    expect((await src(numberOf("y"))).limit).toBe(100_000); // another portfolio: its own answer
    t = 1500;
    expect((await src(x)).limit).toBe(100_000);
    expect(calls).toBe(3);
    const none = createTierSource({
      log: silentLog,
      fromMeta: async () => {
        throw new Error("down");
      },
    });
    expect(await none(x)).toEqual(FALLBACK_TIER);
    expect(await none(numberOf("y", "TIER_2K"))).toEqual({ name: "TIER_2K", limit: 2000 });
  });
});
