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

  it("outside(): a waiting job gives its slot to the next one, takes one back first, and idle() waits for it", async () => {
    const gate = new Gate(1);
    let endWait!: () => void;
    let finish!: () => void;
    const steps: string[] = [];
    await gate.run(async () => {
      await gate.outside(() => new Promise<void>((r) => (endWait = r)));
      steps.push("waiter back in");
      await new Promise<void>((r) => (finish = r));
    });
    expect(gate.active).toBe(0); // waiting outside: the slot is free
    let second!: () => void;
    await gate.run(() => new Promise<void>((r) => (second = r))); // starts at once
    const third = gate.run(async () => void steps.push("third"));
    endWait();
    await new Promise((r) => setTimeout(r, 5));
    expect(steps).toEqual([]); // the slot is the second job's
    let idle = false;
    const whenIdle = gate.idle().then(() => (idle = true));
    second();
    await new Promise((r) => setTimeout(r, 5));
    expect(steps).toEqual(["waiter back in"]); // ahead of the third, which was queued first
    finish();
    await third;
    await whenIdle;
    expect(idle).toBe(true);
    expect(steps).toEqual(["waiter back in", "third"]);
  });

  it("rejects a non-positive limit", () => {
    expect(() => new Gate(0)).toThrow(RangeError);
  });
});
