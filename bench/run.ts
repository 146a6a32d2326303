// `pnpm bench [name…]`: runs benchmarks against the real local services and mock-meta,
// prints one table and writes bench/results/latest.json. A miss is printed, never hidden.
import { mkdirSync, writeFileSync } from "node:fs";
import { growthChart } from "./lib/growth-chart.js";
import type { Benchmark, BenchRow } from "./lib/types.js";

const registry: Record<string, () => Promise<{ benchmark: Benchmark }>> = {
  compliance: () => import("./compliance.js"),
  campaign: () => import("./campaign.js"),
  "compliance-tool": () => import("../apps/mcp-gateway/bench/compliance-tool.js"),
  "compliance-tool-http": () => import("../apps/mcp-gateway/bench/compliance-tool-http.js"),
  "webhook-ingest": () => import("./webhook-ingest.js"),
  "webhook-flood": () => import("./webhook-flood.js"),
  "cold-start": () => import("./cold-start.js"),
  enqueue: () => import("./enqueue.js"),
  delivery: () => import("./delivery.js"),
  "delivery-capacity": () => import("./delivery-capacity.js"),
  "delivery-multi": () => import("./delivery-multi.js"),
  pacing: () => import("./delivery.js").then((m) => ({ benchmark: m.pacingBenchmark })),
  scheduler: () => import("./scheduler.js"),
  console: () => import("../apps/console/bench/console.js"),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((n) => !registry[n]);
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; known: ${Object.keys(registry).join(", ")}\n`);
  process.exit(2);
}
const names = wanted.length ? wanted : Object.keys(registry);
const ctx = {
  samples: Number(process.env.BENCH_SAMPLES ?? 5000),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  log: (line: string) => process.stderr.write(`  ${line}\n`),
};

const rows: BenchRow[] = [];
for (const name of names) {
  process.stderr.write(`bench ${name}\n`);
  const load = registry[name];
  if (!load) continue;
  const { benchmark } = await load();
  try {
    rows.push(...(await benchmark.run(ctx)).rows);
  } catch (err) {
    rows.push({
      name,
      n: 0,
      p50_ms: null,
      p99_ms: null,
      throughput_per_s: null,
      target: benchmark.target,
      verdict: "MISS",
      notes: `error: ${(err as Error).message}`,
    });
  }
}

const f = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? "-" : v.toFixed(d));
const table = rows.map((r) => ({
  name: r.name,
  n: r.n,
  p50_ms: f(r.p50_ms),
  p99_ms: f(r.p99_ms),
  "throughput/s": f(r.throughput_per_s, 0),
  target: r.target,
  verdict: r.verdict,
  reference: r.reference ? `${r.reference.name} p50 ${f(r.reference.p50_ms)} p99 ${f(r.reference.p99_ms)}` : "",
  notes: r.notes ?? "",
}));
console.table(table);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const at = new Date().toISOString();
writeFileSync(new URL("./results/latest.json", import.meta.url), `${JSON.stringify({ at, rows }, null, 2)}\n`);
// Benchmarks run at several sizes (delivery-capacity, campaign with a list of sizes) also draw the growth chart.
const chart = growthChart(rows, at);
if (chart) writeFileSync(new URL("./results/growth.svg", import.meta.url), chart);
process.exit(0);
