import { describe, expect, it } from "vitest";
import { timeOrderedId } from "../src/time-ordered-id.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("timeOrderedId", () => {
  it("is a UUIDv7 whose first 48 bits are the time in ms", () => {
    const id = timeOrderedId(Date.UTC(2026, 11, 4));
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2026, 11, 4));
  });

  it("sorts in the order made, also many in one millisecond (past the 4,096 of the sequence)", () => {
    const ms = Date.now() + 60_000;
    const ids = Array.from({ length: 10_000 }, () => timeOrderedId(ms));
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.toSorted()).toEqual(ids);
    const later = timeOrderedId(ms + 1);
    expect(later > (ids.at(-1) ?? "")).toBe(true); // the borrowed milliseconds never run backwards
  });

  it("does not repeat across a clock step back", () => {
    const a = timeOrderedId(Date.now() + 120_000);
    const b = timeOrderedId(Date.now());
    expect(b > a).toBe(true);
  });
});
