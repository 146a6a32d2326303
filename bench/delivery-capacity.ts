// delivery-capacity: the pipeline's own ceiling. Queued rows → `sent` through 2 spawned delivery workers with
// no throughput limit at the mock or in the workers, one message per recipient (no pair pacing), at 1×, 4× and
// 16× the base size so the cost per message can be compared across sizes. Zero lost or doubled is checked on
// the mock's call log (accepted calls per message id). CPU per message is read from /proc per component. Rate and
// CPU are measured after WARMUP sends (the workers' start is not the pipeline's ceiling); the cold rate is noted.
import { sql } from "kysely";
import { cpuPerItem, sampleCpu } from "./lib/cpu.js";
import { firstToLastSecs, mockCalls, untilDone } from "./lib/delivery-progress.js";
import { spawnWorkers, type Stack } from "./lib/delivery-stack.js";
import { callCounts, mockStats } from "./lib/mock-call-log.js";
import { fill, openSingleNumber } from "./lib/single-number-stack.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const TARGET = "≥ 2,500 msg/s with 2 workers, mock without a throughput limit, zero lost or doubled";
const BASE = Number(process.env.BENCH_CAPACITY_N ?? 5_000);
const SCALES = (process.env.BENCH_CAPACITY_SCALES ?? "1,4,16").split(",").map(Number);
// Sends before the measured span: the workers' boot, JIT and first connections are a fixed cost per start, not the
// pipeline's capacity (they made the 1× row look slowest per message). The "from the very first send" rate keeps them.
const WARMUP = Number(process.env.BENCH_CAPACITY_WARMUP ?? 5_000);

/** The send time of the `k`-th message sent (1-based): where the measured span starts. */
async function sentAt(s: Stack, k: number): Promise<Date> {
  const r = await sql<{ at: Date }>`SELECT sent_at AS at FROM messages WHERE status = 'sent'
    ORDER BY sent_at OFFSET ${k - 1} LIMIT 1`.execute(s.db);
  return r.rows[0]!.at;
}

async function round(ctx: BenchContext, n: number): Promise<BenchRow> {
  const s = await openSingleNumber({ throughputMps: 100_000 });
  const total = WARMUP + n;
  try {
    await fill(s, total, total, 628_700_000_000);
    spawnWorkers(s, 2, { THROUGHPUT_MPS: "10000", THROUGHPUT_HEADROOM_PCT: "0", DELIVERY_CONCURRENCY: "64" });
    const t0 = Date.now();
    while (mockCalls(s) < WARMUP && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
    const pids = { workers: s.workers.map((w) => w.pid ?? 0) };
    const before = sampleCpu(pids, "bench+mock");
    const callsBefore = mockCalls(s);
    const p = await untilDone(s, total, Math.max(120_000, total * 10), ctx.log);
    const after = sampleCpu(pids, "bench+mock");
    const secs = (p.last!.getTime() - (await sentAt(s, WARMUP)).getTime()) / 1000;
    const rate = (p.sent - WARMUP) / secs;
    const coldSecs = firstToLastSecs(p);
    const calls = await callCounts(s.mock.url, total);
    const stats = await mockStats(s.mock.url);
    const lost = total - calls.distinct;
    const cpu = cpuPerItem(before, after, total - callsBefore);
    ctx.log(
      `capacity ${n}: ${p.sent - WARMUP} sent in ${secs.toFixed(2)} s after ${WARMUP} warm-up sends → ${rate.toFixed(0)} msg/s (from the very first send: ${(p.sent / coldSecs).toFixed(0)} msg/s); lost ${lost}, doubled ${calls.doubled}; ${cpu}`,
    );
    return {
      name: `delivery-capacity-${n}`,
      n: p.sent - WARMUP,
      p50_ms: null,
      p99_ms: null,
      throughput_per_s: rate,
      target: "≥ 2,500 msg/s, zero lost/doubled",
      verdict: rate >= 2500 && lost === 0 && calls.doubled === 0 ? "PASS" : "MISS",
      notes: `${n} msgs measured after ${WARMUP} warm-up sends (${total} msgs to ${total} recipients), 2 workers × 64 in flight; from the very first send ${(p.sent / coldSecs).toFixed(0)} msg/s; ${p.failed} failed; lost ${lost}, doubled ${calls.doubled} (call log, all ${total}); mock errors ${JSON.stringify(stats.by_code)}; ${cpu}; time per message ${((secs / n) * 1000).toFixed(3)} ms`,
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
