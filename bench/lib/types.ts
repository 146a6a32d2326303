export interface BenchRow {
  name: string;
  n: number;
  p50_ms: number | null;
  p99_ms: number | null;
  throughput_per_s: number | null;
  target: string;
  verdict: "PASS" | "MISS";
  reference?: { name: string; p50_ms: number; p99_ms: number };
  notes?: string;
}

export interface BenchContext {
  samples: number; // minimum measured calls for latency benchmarks
  rounds: number;
  log: (line: string) => void;
}

export interface Benchmark {
  name: string;
  target: string;
  run(ctx: BenchContext): Promise<{ rows: BenchRow[] }>;
}
