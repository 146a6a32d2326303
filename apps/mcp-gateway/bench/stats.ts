// What the gateway's benchmarks share: their context, one summary shape and the median over rounds.

export interface Ctx {
  samples: number;
  rounds: number;
  log: (line: string) => void;
}

export interface Summary {
  n: number;
  p50_ms: number;
  p99_ms: number;
  throughput_per_s: number;
}

/** Percentiles of per-call latencies (ms) and the rate over the wall time they took. */
export function summarize(ms: readonly number[], wallMs: number): Summary {
  const sorted = ms.toSorted((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { n: ms.length, p50_ms: at(50), p99_ms: at(99), throughput_per_s: (ms.length / wallMs) * 1000 };
}

/** Each figure's median over the rounds; n is their total. */
export function medianOf(rounds: readonly Summary[]): Summary {
  const med = (k: keyof Summary): number =>
    rounds.map((r) => r[k]).toSorted((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? Number.NaN;
  return {
    n: rounds.reduce((s, r) => s + r.n, 0),
    p50_ms: med("p50_ms"),
    p99_ms: med("p99_ms"),
    throughput_per_s: med("throughput_per_s"),
  };
}
