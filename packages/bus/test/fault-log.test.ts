import { describe, expect, it } from "vitest";
import { createFaultLog, faultKind } from "../src/index.js";
import { memoryLogger } from "./support.js";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
const terminated = new Error("Connection terminated unexpectedly");

/** A clock the test moves: the fault log reads time only through it. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("createFaultLog (issue 22: an outage is logged once per state change)", () => {
  it("a 90 s outage failing 70 messages a second logs a handful of lines, with the count", () => {
    const log = memoryLogger();
    const c = clock();
    const faults = createFaultLog({ log, what: "handler threw", now: c.now });
    let failures = 0;
    for (let ms = 0; ms < 90_000; ms += 1000 / 70) {
      c.advance(1000 / 70);
      faults.fault(failures % 2 === 0 ? refused : terminated, { seq: failures });
      failures += 1;
    }
    c.advance(10_000);
    faults.tick();
    expect(failures).toBeGreaterThan(6000);
    expect(log.lines.length).toBeLessThanOrEqual(5);
    expect(log.lines[0]!.level).toBe("error");
    expect(log.lines[0]!.obj).toMatchObject({ err: refused, seq: 0 });
    const over = log.lines.at(-1)!;
    expect(over.msg).toMatch(/^handler threw: over/);
    expect(over.obj).toMatchObject({ failures, kinds: ["ECONNREFUSED", "Error: Connection terminated unexpectedly"] });
    faults.close();
  });

  it("a second outage after recovery is a new episode, logged again", () => {
    const log = memoryLogger();
    const c = clock();
    const faults = createFaultLog({ log, what: "drain failed", now: c.now });
    faults.fault(refused);
    faults.fault(refused);
    faults.ok();
    faults.fault(refused);
    expect(log.lines.map((l) => l.msg)).toEqual([
      "drain failed; repeats are counted, not logged, until it is over",
      "drain failed: over (succeeded again)",
      "drain failed; repeats are counted, not logged, until it is over",
    ]);
    expect(log.lines[1]!.obj).toMatchObject({ failures: 2 });
    faults.close();
  });

  it("names a fault by its code, else by class and message start", () => {
    expect(faultKind(refused)).toBe("ECONNREFUSED");
    expect(faultKind(new TypeError("x is not a function"))).toBe("TypeError: x is not a function");
    expect(faultKind("plain")).toBe("string: plain");
  });
});
