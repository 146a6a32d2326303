import { describe, expect, it } from "vitest";
import { retryDecision, type MetaError } from "../src/index.js";

const fixed = { random: () => 0.5 }; // no jitter
const graph = (code: number): { kind: "graph"; code: number } => ({ kind: "graph", code });

function failure(kind: MetaError["kind"], httpStatus: number | null = null): MetaError {
  return {
    kind,
    code: null,
    subcode: null,
    title: kind,
    message: kind,
    details: null,
    fbtraceId: null,
    httpStatus,
    type: null,
    isTransient: null,
  };
}

describe("retryDecision", () => {
  it("backs off transient errors 1 s then 5 s and stops at max attempts", () => {
    expect(retryDecision(graph(131016), 1, fixed)).toEqual({ action: "retry", delayMs: 1000 });
    expect(retryDecision(graph(131016), 2, fixed)).toEqual({ action: "retry", delayMs: 5000 });
    expect(retryDecision(graph(131016), 3, fixed)).toMatchObject({ action: "fail" });
    expect(retryDecision(graph(131000), 1, fixed)).toEqual({ action: "retry", delayMs: 5000 });
    expect(retryDecision(graph(131000), 2, fixed)).toMatchObject({
      action: "fail",
      reason: expect.stringContaining("out of attempts"),
    });
    expect(retryDecision(graph(131057), 1, fixed)).toEqual({ action: "retry", delayMs: 60_000 });
  });

  it("waits on the pair limit 4^X seconds without failing, up to maxWaits", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDecision(graph(131056), n, fixed))).toEqual(
      [1, 4, 16, 64, 256, 256].map((s) => ({ action: "wait", delayMs: s * 1000 })),
    );
    expect(retryDecision(graph(131056), 11, fixed)).toMatchObject({ action: "fail" });
    expect(retryDecision(graph(131056), 4, { ...fixed, maxWaits: 3 })).toMatchObject({ action: "fail" });
  });

  it("waits on throughput and WABA limits", () => {
    expect(retryDecision(graph(130429), 1, fixed)).toEqual({ action: "wait", delayMs: 1000 });
    expect(retryDecision(graph(80007), 1, fixed)).toEqual({ action: "wait", delayMs: 60_000 });
    expect(retryDecision(graph(132069), 1, fixed)).toMatchObject({
      action: "fail",
      reason: expect.stringContaining("3600 s"),
    });
  });

  it("fails what must not be resent automatically", () => {
    for (const code of [131047, 131050, 131026, 368, 190, 250, 132001, 131049, 131048, 987654]) {
      expect(retryDecision(graph(code), 1, fixed).action).toBe("fail");
    }
  });

  it("accepts webhook error objects (no kind)", () => {
    expect(retryDecision({ code: 131056 }, 2, fixed)).toEqual({ action: "wait", delayMs: 4000 });
  });

  it("retries network and timeout failures, and invalid responses only on 5xx", () => {
    expect(retryDecision(failure("network"), 1, fixed)).toEqual({ action: "retry", delayMs: 1000 });
    expect(retryDecision(failure("timeout"), 2, fixed)).toEqual({ action: "retry", delayMs: 5000 });
    expect(retryDecision(failure("invalid_response", 502), 1, fixed)).toEqual({ action: "retry", delayMs: 1000 });
    expect(retryDecision(failure("invalid_response", 200), 1, fixed)).toMatchObject({ action: "fail" });
  });

  it("applies bounded jitter", () => {
    expect(retryDecision(graph(131016), 2, { random: () => 0 })).toEqual({ action: "retry", delayMs: 4000 });
    expect(retryDecision(graph(131016), 2, { random: () => 0.999999 }).action).toBe("retry");
    const d = retryDecision(graph(131016), 2);
    expect(d.action === "retry" && d.delayMs >= 4000 && d.delayMs <= 6000).toBe(true);
  });
});
