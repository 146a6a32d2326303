import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockMeta, type RunningMockMeta } from "../src/index.js";
import { call, send, template } from "./helpers.js";

let clock = 1_700_000_000_000;
let mock: RunningMockMeta;
let base: string;
let n = 0;
const nextRecipient = (): string => `15556${String(++n).padStart(5, "0")}7`; // distinct pair, no trigger suffix

const codes = (rs: { status: number; json: any }[]) => rs.map((r) => (r.status === 200 ? 0 : r.json.error.code));

describe("throughput and pair rate (injected clock)", () => {
  beforeAll(async () => {
    mock = await startMockMeta({ port: 0, now: () => clock, throughputMps: 20 });
    base = mock.url;
  });
  afterAll(() => mock.close());
  beforeEach(async () => {
    clock += 60_000;
    await call(base, "POST", "/_mock/reset");
  });

  it("allows the configured rate within a fresh second and answers 130429 above it", async () => {
    const ok: number[] = [];
    for (let i = 0; i < 20; i++) ok.push(...codes([await send(base, template(nextRecipient()))]));
    expect(ok).toEqual(Array(20).fill(0));
    const over = await send(base, template(nextRecipient()));
    expect(over.json.error).toMatchObject({ code: 130429, error_subcode: 2494055 });
    clock += 50; // one token at 20/s
    expect((await send(base, template(nextRecipient()))).status).toBe(200);
  });

  it("never throttles sends paced below the rate", async () => {
    const results: number[] = [];
    for (let i = 0; i < 100; i++) {
      clock += 55; // 18.2/s against 20/s
      results.push(...codes([await send(base, template(nextRecipient()))]));
    }
    expect(results.filter((c) => c !== 0)).toEqual([]);
  });

  it("changes the rate at runtime through /_mock/throughput", async () => {
    await call(base, "POST", "/_mock/throughput", { mps: 2 });
    const r = codes([
      await send(base, template(nextRecipient())),
      await send(base, template(nextRecipient())),
      await send(base, template(nextRecipient())),
    ]);
    expect(r).toEqual([0, 0, 130429]);
    await call(base, "POST", "/_mock/throughput", { mps: 1000 });
    const info = await call(base, "GET", "/v25.0/100000000000001");
    expect(info.json.throughput).toEqual({ level: "HIGH" });
  });

  it("answers 131056 past the pair burst, then allows one per interval", async () => {
    const to = "15550009999";
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push(await send(base, template(to)));
    expect(codes(burst)).toEqual([0, 0, 0, 131056]);
    expect((await send(base, template("15550009998"))).status).toBe(200); // other recipient unaffected
    clock += 6000;
    expect(codes([await send(base, template(to)), await send(base, template(to))])).toEqual([0, 131056]);
  });

  it("takes pair limits from /_mock/config", async () => {
    await call(base, "POST", "/_mock/config", { pair_burst: 1, pair_interval_ms: 1000 });
    const to = "15550008888";
    expect(codes([await send(base, template(to)), await send(base, template(to))])).toEqual([0, 131056]);
    clock += 1000;
    expect((await send(base, template(to))).status).toBe(200);
  });
});

describe("throughput on the real clock", () => {
  beforeAll(async () => {
    mock = await startMockMeta({ port: 0, throughputMps: 20 });
    base = mock.url;
  });
  afterAll(() => mock.close());

  it("a concurrent burst of 60 at 20/s gets some 130429 and each accepted send is logged once", async () => {
    const rs = await Promise.all(Array.from({ length: 60 }, () => send(base, template(nextRecipient()))));
    const c = codes(rs);
    const accepted = c.filter((x) => x === 0).length;
    expect(c.filter((x) => x === 130429).length).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(c.every((x) => x === 0 || x === 130429)).toBe(true);
    const stats = await call(base, "GET", "/_mock/stats");
    expect(stats.json.accepted).toBe(accepted);
    expect(stats.json.by_code["130429"]).toBe(60 - accepted);
  });
});
