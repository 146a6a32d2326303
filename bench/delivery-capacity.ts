// delivery-capacity: the pipeline's own ceiling. Queued rows → `sent` through 2 spawned delivery workers with
// no throughput limit at the mock or in the workers, one message per recipient (no pair pacing), at 1×, 4× and
// 16× the base size so the cost per message can be compared across sizes. Zero lost or doubled is checked on
// the mock's call log (accepted calls per message id). CPU per message is read from /proc per component.
import { cpuPerItem, sampleCpu } from "./lib/cpu.js";
import { firstToLastSecs, untilDone } from "./lib/delivery-progress.js";
import { spawnWorkers } from "./lib/delivery-stack.js";
import { callCounts, mockStats } from "./lib/mock-call-log.js";
import { fill, openSingleNumber } from "./lib/single-number-stack.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const TARGET = "≥ 2,500 msg/s with 2 workers, mock without a throughput limit, zero lost or doubled";
const BASE = Number(process.env.BENCH_CAPACITY_N ?? 5_000);
const SCALES = (process.env.BENCH_CAPACITY_SCALES ?? "1,4,16").split(",").map(Number);

async function round(ctx: BenchContext, n: number): Promise<BenchRow> {
  const s = await openSingleNumber({ throughputMps: 100_000 });
  try {
    await fill(s, n, n, 628_700_000_000);
    const before = sampleCpu({}, "bench+mock");
    spawnWorkers(s, 2, { THROUGHPUT_MPS: "10000", THROUGHPUT_HEADROOM_PCT: "0", DELIVERY_CONCURRENCY: "64" });
    const p = await untilDone(s.db, n, Math.max(120_000, n * 10), ctx.log);
    const after = sampleCpu({ workers: s.workers.map((w) => w.pid ?? 0) }, "bench+mock");
    // The workers' CPU before they started is zero: their first reading is the whole run.
    const secs = firstToLastSecs(p);
    const rate = p.sent / secs;
    const calls = await callCounts(s.mock.url, n);
    const stats = await mockStats(s.mock.url);
    const lost = n - calls.distinct;
    const cpu = cpuPerItem(before, after, p.sent);
    ctx.log(
      `capacity ${n}: ${p.sent} sent in ${secs.toFixed(2)} s → ${rate.toFixed(0)} msg/s; lost ${lost}, doubled ${calls.doubled}; ${cpu}`,
    );
    return {
      name: `delivery-capacity-${n}`,
      n: p.sent,
      p50_ms: null,
      p99_ms: null,
      throughput_per_s: rate,
      target: "≥ 2,500 msg/s, zero lost/doubled",
      verdict: rate >= 2500 && lost === 0 && calls.doubled === 0 ? "PASS" : "MISS",
      notes: `first to last sent; ${n} msgs to ${n} recipients, 2 workers × 64 in flight; ${p.failed} failed; lost ${lost}, doubled ${calls.doubled} (call log); mock errors ${JSON.stringify(stats.by_code)}; ${cpu}; time per message ${((secs / n) * 1000).toFixed(3)} ms`,
    };
  } finally {
    await s.close();
  }
}

async function run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
  const rows: BenchRow[] = [];
  for (const k of SCALES) rows.push(await round(ctx, BASE * k));
  return { rows };
}

export const benchmark = { name: "delivery-capacity", target: TARGET, run };
