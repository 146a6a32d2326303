import { describe, expect, it } from "vitest";
import { coalesce } from "../src/index.js";

// The coalescer under the delivery worker's claim, fence and `sent` writes and the webhook processor's statuses.
describe("coalesce", () => {
  it("sends the calls of one tick at once and those that arrive meanwhile together, each answer to its caller", async () => {
    const batches: number[][] = [];
    const double = coalesce(async (xs: readonly number[]) => {
      batches.push([...xs]);
      await new Promise((r) => setTimeout(r, 20));
      return xs.map((x) => x * 2);
    });
    const first = double(1);
    await Promise.resolve(); // the first batch has left
    const answers = await Promise.all([first, ...[2, 3, 4, 5].map((x) => double(x))]);
    expect(answers).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
    expect(await Promise.all([6, 7].map((x) => double(x)))).toEqual([12, 14]);
    expect(batches.at(-1)).toEqual([6, 7]);
  });

  it("splits a queue longer than maxBatch", async () => {
    const sizes: number[] = [];
    const echo = coalesce(async (xs: readonly number[]) => xs, { maxBatch: 3, onBatch: (n) => sizes.push(n) });
    expect(await Promise.all([1, 2, 3, 4, 5, 6, 7].map((x) => echo(x)))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it("runs a failed batch again item by item: only the bad item fails, with its own error", async () => {
    const seen: number[][] = [];
    const check = coalesce(async (xs: readonly number[]) => {
      seen.push([...xs]);
      await new Promise((r) => setTimeout(r, 5));
      if (xs.includes(13)) throw new Error("13 is refused");
      return xs.map((x) => x + 1);
    });
    const out = await Promise.allSettled([0, 12, 13, 14].map((x) => check(x)));
    expect(out.map((o) => (o.status === "fulfilled" ? o.value : String(o.reason)))).toEqual([
      1,
      13,
      "Error: 13 is refused",
      15,
    ]);
    expect(seen).toEqual([[0, 12, 13, 14], [0], [12], [13], [14]]);
  });
});
