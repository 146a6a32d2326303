import { describe, expect, it } from "vitest";
import { backoffMs, DELIVERY_BACKOFF_MS } from "../src/index.js";
import { Gate } from "../src/gate.js";

describe("backoffMs", () => {
  it.each([
    [1, 1000],
    [2, 5000],
    [3, 5000],
    [9, 5000],
    [0, 1000],
  ])("after delivery %i waits %i ms", (deliveryCount, ms) => {
    expect(backoffMs(deliveryCount, DELIVERY_BACKOFF_MS)).toBe(ms);
  });

  it("is 0 for an empty schedule", () => {
    expect(backoffMs(1, [])).toBe(0);
  });
});

describe("Gate", () => {
  it("lets run() resolve only when a slot is free, and idle() when all finished", async () => {
    const gate = new Gate(2);
    const releases: (() => void)[] = [];
    const job = () => new Promise<void>((r) => releases.push(r));
    await gate.run(job);
    await gate.run(job);
    let third = false;
    const pending = gate.run(job).then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    releases.shift()?.();
    await pending;
    expect(gate.active).toBe(2);
    let idle = false;
    const whenIdle = gate.idle().then(() => (idle = true));
    releases.splice(0).forEach((r) => r());
    await whenIdle;
    expect(idle).toBe(true);
    expect(gate.active).toBe(0);
  });

  it("frees the slot when a job rejects", async () => {
    const gate = new Gate(1);
    await gate.run(() => Promise.reject(new Error("boom")));
    await gate.idle();
    expect(gate.active).toBe(0);
  });

  it("rejects a non-positive limit", () => {
    expect(() => new Gate(0)).toThrow(RangeError);
  });
});
