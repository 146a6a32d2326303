/** Latency samples in ms → percentiles. */
function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export interface Summary {
  n: number;
  p50_ms: number;
  p99_ms: number;
  throughput_per_s: number;
}

export function summarize(samplesMs: readonly number[], wallMs: number): Summary {
  const sorted = samplesMs.toSorted((a, b) => a - b);
  return {
    n: sorted.length,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    throughput_per_s: wallMs > 0 ? (sorted.length / wallMs) * 1000 : 0,
  };
}

/** Measures `fn` sequentially `n` times after `warmup` calls; returns per-call ms. */
export async function measure(n: number, fn: () => Promise<unknown>, warmup = 1000): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    samples[i] = performance.now() - s;
  }
  return summarize(samples, performance.now() - t0);
}

/** Median of several rounds' summaries, field by field (benchmarks.md: medians of rounds). */
export function medianOf(rounds: readonly Summary[]): Summary {
  const med = (k: keyof Summary): number => {
    const v = rounds.map((r) => r[k]).toSorted((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? Number.NaN;
  };
  return {
    n: rounds.reduce((s, r) => s + r.n, 0),
    p50_ms: med("p50_ms"),
    p99_ms: med("p99_ms"),
    throughput_per_s: med("throughput_per_s"),
  };
}
