import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { estimateCost, loadRateCard, RateCardError, rateFor } from "../src/index.js";

const BEFORE = new Date("2026-09-30T12:00:00Z");
const AFTER = new Date("2026-10-01T00:00:00Z");
const dir = mkdtempSync(join(tmpdir(), "rate-card-"));
const bundled = JSON.parse(readFileSync(new URL("../data/rate-card.json", import.meta.url), "utf8")) as {
  rates: Record<string, unknown>[];
  rules: Record<string, unknown>;
};
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("estimate_cost's dated rules (issue 20)", () => {
  it("lists the 2025-07-01, 2026-10-01 and 72 h free entry point rules, each with its source", () => {
    const x = estimateCost({ category: "utility", country: "BR", at: AFTER });
    expect(x.rules.map((r) => [r.id, r.effective_from])).toEqual([
      ["per_message_pricing", "2025-07-01"],
      ["service_and_in_window_utility_charged", "2026-10-01"],
      ["free_entry_point_window", "2025-07-01"],
    ]);
    for (const r of x.rules) expect(r.source).toMatch(/^https:\/\//);
    expect(x.rules.find((r) => r.id === "service_and_in_window_utility_charged")?.confirmed_by_meta).toBe(false);
    expect(x.rules.find((r) => r.id === "free_entry_point_window")?.rule).toMatch(/72 h/);
  });

  it("adds Meta's US marketing pause for marketing to the US, and says what the gateway does", () => {
    const x = estimateCost({ category: "marketing", country: "US", quantity: 100, at: BEFORE });
    expect(x.rules.at(-1)).toMatchObject({ id: "us_marketing_pause", effective_from: "2025-04-01" });
    expect(x.notes.join(" ")).toMatch(/meta_us_marketing_pause.*us_marketing_pause/);
    const lifted = estimateCost({
      category: "marketing",
      country: "US",
      at: BEFORE,
      options: { usMarketingPause: false },
    });
    expect(lifted.rules.map((r) => r.id)).not.toContain("us_marketing_pause");
    expect(lifted.notes.join(" ")).toMatch(/META_US_MARKETING_PAUSE=false/);
    expect(estimateCost({ category: "marketing", country: "CA", at: BEFORE }).rules).toHaveLength(3);
  });
});

describe("RATE_CARD_FILE: rates change without a release", () => {
  it("loads a JSON card and prices with it", () => {
    const card = {
      ...bundled,
      rates: [
        ...bundled.rates,
        {
          country: "ID",
          effective_from: "2025-07-01",
          marketing: 0.0411,
          utility: 0.025,
          authentication: 0.03,
          authentication_international: 0.136,
        },
      ],
    };
    const loaded = loadRateCard(write("card.json", JSON.stringify(card)));
    const x = estimateCost({
      category: "marketing",
      country: "ID",
      quantity: 10,
      at: BEFORE,
      options: { card: loaded },
    });
    expect(x).toMatchObject({ country: "ID", per_message: 0.0411, total: 0.411 });
    expect(rateFor("ID", "authentication_international", BEFORE, { card: loaded }).rate).toBe(0.136);
  });

  it("loads a YAML card, with its own dates for the rules", () => {
    const card = {
      ...bundled,
      rules: { ...bundled.rules, service_charges_from: "2027-01-01", free_entry_point_hours: 48 },
    };
    const loaded = loadRateCard(write("card.yaml", stringify(card)));
    const x = estimateCost({ category: "service", country: "BR", at: AFTER, options: { card: loaded } });
    expect(x.per_message).toBe(0); // the 2026-10-01 rule moved to 2027-01-01 by the operator's card
    expect(x.rules[1]).toMatchObject({ effective_from: "2027-01-01" });
    expect(x.notes.join(" ")).toMatch(/48-hour free entry point/);
  });

  it("refuses a broken card with an error naming the file and every problem", () => {
    const missing = join(dir, "nope.json");
    expect(() => loadRateCard(missing)).toThrow(RateCardError);
    expect(() => loadRateCard(missing)).toThrow(/nope\.json cannot be read: ENOENT/);
    expect(() => loadRateCard(write("bad.json", "{ not json"))).toThrow(/bad\.json is not valid JSON/);
    expect(() => loadRateCard(write("bad.yaml", "rates: [\n"))).toThrow(/bad\.yaml is not valid YAML/);
    const wrong = {
      ...bundled,
      currency: "dollars",
      rates: [{ country: "Indonesia", effective_from: "2025-7-1", marketing: -1 }],
    };
    let message = "";
    try {
      loadRateCard(write("wrong.json", JSON.stringify(wrong)));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/wrong\.json is invalid/);
    expect(message).toMatch(/currency/);
    expect(message).toMatch(/rates\[0\]\.country/);
    expect(message).toMatch(/YYYY-MM-DD/);
    const noDefault = { ...bundled, rates: bundled.rates.filter((r) => r["country"] !== "DEFAULT") };
    expect(() => loadRateCard(write("no-default.json", JSON.stringify(noDefault)))).toThrow(/needs a DEFAULT row/);
  });
});
