import { describe, expect, it } from "vitest";
import { estimateCost, rateFor } from "../src/index.js";

const BEFORE = new Date("2026-09-30T23:59:59Z");
const AFTER = new Date("2026-10-01T00:00:00Z");

describe("estimateCost", () => {
  it("prices marketing per delivered template with exact totals", () => {
    const x = estimateCost({ category: "marketing", country: "IN", quantity: 1000, at: BEFORE });
    expect(x).toMatchObject({
      per_message: 0.0129,
      total: 12.9,
      currency: "USD",
      pricing_model: "PMP",
      category: "marketing",
      country: "IN",
      effective_date: "2025-07-01",
    });
    expect(estimateCost({ category: "utility", country: "US", quantity: 3, at: BEFORE }).total).toBe(0.0132); // 0.0044 * 3 in floats is 0.013200000000000002
    expect(estimateCost({ category: "marketing", country: "DE", quantity: 0, at: BEFORE }).total).toBe(0);
  });

  it("notes the US marketing pause and charges marketing inside a window", () => {
    const x = estimateCost({ category: "marketing", country: "us", insideServiceWindow: true, at: BEFORE });
    expect(x.per_message).toBe(0.0275);
    expect(x.notes.join(" ")).toMatch(/not deliver marketing templates to US/);
    expect(x.notes.join(" ")).toMatch(/even inside an open service window/);
  });

  it("keeps service and in-window utility free before 2026-10-01", () => {
    expect(estimateCost({ category: "service", country: "BR", quantity: 10, at: BEFORE })).toMatchObject({
      per_message: 0,
      total: 0,
      effective_date: "2025-07-01",
    });
    expect(estimateCost({ category: "utility", country: "BR", insideServiceWindow: true, at: BEFORE })).toMatchObject({
      per_message: 0,
    });
    expect(estimateCost({ category: "utility", country: "BR", insideServiceWindow: false, at: BEFORE })).toMatchObject({
      per_message: 0.0088,
    });
  });

  it("charges service and in-window utility at the utility rate from 2026-10-01", () => {
    const service = estimateCost({ category: "service", country: "BR", quantity: 10, at: AFTER });
    expect(service).toMatchObject({ per_message: 0.0088, total: 0.088, effective_date: "2026-10-01" });
    expect(service.notes.join(" ")).toMatch(/1,000 service messages/);
    expect(estimateCost({ category: "utility", country: "GB", insideServiceWindow: true, at: AFTER })).toMatchObject({
      per_message: 0.0242,
      effective_date: "2026-10-01",
    });
  });

  it("switches the 2026-10-01 rule off by option", () => {
    const x = estimateCost({
      category: "service",
      country: "BR",
      at: AFTER,
      options: { oct2026ServiceCharges: false },
    });
    expect(x).toMatchObject({ per_message: 0, total: 0 });
    expect(x.notes.join(" ")).toMatch(/switched off/);
    expect(
      estimateCost({
        category: "utility",
        country: "BR",
        insideServiceWindow: true,
        at: AFTER,
        options: { oct2026ServiceCharges: false },
      }).per_message,
    ).toBe(0);
  });

  it("falls back to the DEFAULT row and says so", () => {
    const unknown = estimateCost({ category: "authentication", country: "ZZ", at: BEFORE });
    expect(unknown).toMatchObject({ country: "DEFAULT", per_message: 0.0048 });
    expect(unknown.notes[0]).toContain('No rate for country "ZZ"');
    expect(estimateCost({ category: "marketing", at: BEFORE }).notes[0]).toContain("No recipient country");
  });

  it("notes per-conversation billing before 2025-07-01 and rejects bad quantities", () => {
    expect(estimateCost({ category: "marketing", country: "IN", at: new Date("2025-01-01") }).notes.join(" ")).toMatch(
      /CBP/,
    );
    expect(() => estimateCost({ category: "marketing", quantity: -1 })).toThrow(RangeError);
    expect(() => estimateCost({ category: "marketing", quantity: 1.5 })).toThrow(RangeError);
  });
});

describe("rateFor", () => {
  it("quotes a category in a market", () => {
    expect(rateFor("GB", "authentication", BEFORE)).toEqual({
      country: "GB",
      category: "authentication",
      rate: 0.014,
      currency: "USD",
      pricing_model: "PMP",
      effective_date: "2025-07-01",
      notes: [],
    });
    expect(rateFor("DE", "marketing", BEFORE).rate).toBe(0.1502);
  });

  it("applies the dated service rule and the auth-international fallback", () => {
    expect(rateFor("BR", "service", BEFORE).rate).toBe(0);
    expect(rateFor("BR", "service", AFTER)).toMatchObject({ rate: 0.0088, effective_date: "2026-10-01" });
    expect(rateFor("BR", "service", AFTER, { oct2026ServiceCharges: false }).rate).toBe(0);
    const intl = rateFor("IN", "authentication_international", BEFORE);
    expect(intl.rate).toBe(0.0017);
    expect(intl.notes[0]).toContain("No authentication-international rate");
    expect(rateFor(undefined, "utility", BEFORE)).toMatchObject({ country: "DEFAULT", rate: 0.0088 });
  });
});
