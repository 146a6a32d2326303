import { describe, expect, it } from "vitest";
import { busNames, redisPrefix, uniqueId } from "../src/index.js";

describe("names", () => {
  it("are unique per call and safe for NATS, Postgres and Redis", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uniqueId("x")));
    expect(ids.size).toBe(1000);
    const a = busNames();
    const b = busNames();
    expect(a.DELIVERY_STREAM).not.toBe(b.DELIVERY_STREAM);
    for (const v of Object.values(a)) expect(v).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(a.NATS_SUBJECT_PREFIX.endsWith(".")).toBe(true);
    expect(redisPrefix()).toMatch(/:$/);
  });
});
