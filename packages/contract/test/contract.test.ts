import { describe, expect, it } from "vitest";
import { isReasonCode, isRefusal, isWaError, REASON_CODES, refuse, WaError } from "../src/index.js";

describe("@wa/contract", () => {
  it("knows the 21 reason codes of tools.md and nothing else", () => {
    expect(REASON_CODES).toHaveLength(21);
    expect(new Set(REASON_CODES).size).toBe(21);
    expect(isReasonCode("FREQUENCY_CAP_EXCEEDED")).toBe(true);
    expect(isReasonCode("frequency_cap_exceeded")).toBe(false);
    expect(isReasonCode(42)).toBe(false);
  });

  it("builds refusals in the wire shape and leaves empty details out", () => {
    expect(refuse("NOT_FOUND", "No such message.", "Check the id.")).toEqual({
      ok: false,
      reason_code: "NOT_FOUND",
      human_explanation: "No such message.",
      suggested_action: "Check the id.",
    });
    expect(refuse("NOT_FOUND", "x", "y", {})).not.toHaveProperty("details");
    expect(refuse("FREQUENCY_CAP_EXCEEDED", "x", "y", { resets_at: "2026-01-01T00:00:00.000Z" }).details).toEqual({
      resets_at: "2026-01-01T00:00:00.000Z",
    });
  });

  it("recognises a refusal only by ok: false with a reason code", () => {
    expect(isRefusal(refuse("UNAVAILABLE", "x", "y"))).toBe(true);
    expect(isRefusal({ ok: false })).toBe(false);
    expect(isRefusal({ ok: true, reason_code: "NOT_FOUND" })).toBe(false);
    expect(isRefusal(null)).toBe(false);
  });

  it("carries the code and the cause on a WaError", () => {
    const cause = new Error("connect ECONNREFUSED");
    const err = new WaError("UNAVAILABLE", "postgres is down", { cause });
    expect(isWaError(err)).toBe(true);
    expect(isWaError(new Error("x"))).toBe(false);
    expect(err).toMatchObject({ name: "WaError", code: "UNAVAILABLE", message: "postgres is down", cause });
  });
});
