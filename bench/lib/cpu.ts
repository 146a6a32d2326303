// CPU seconds per component, read from /proc, so a benchmark can say where the time went (Linux only).
// Postgres forks a backend per connection: the running ones are summed, and the postmaster's children
// counters (cutime/cstime) keep what backends that ended used. Clock ticks: 100 per second on Linux x86_64.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS = 100;

/** utime + stime (+ the reaped children's when `children`) of one process, in seconds; 0 when it is gone. */
function cpuOf(pid: number, children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name in parentheses (which may contain spaces): state is field 3.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = Number(f[11]) + Number(f[12]);
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / TICKS;
  } catch {
    return 0;
  }
}

function pidsOf(name: string): number[] {
  try {
    return execFileSync("pgrep", ["-x", name], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The postmaster: the postgres process whose parent is not a postgres process. */
function postgresCpu(): number {
  const pids = pidsOf("postgres");
  const set = new Set(pids);
  let total = 0;
  for (const pid of pids) {
    let ppid = 0;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      continue;
    }
    total += cpuOf(pid, !set.has(ppid));
  }
  return total;
}

export type CpuSample = Record<string, number>;

/** One reading: named child processes, Postgres, nats-server, redis-server and this process (everything run in-process). */
export function sampleCpu(processes: Record<string, readonly number[]>, selfName: string): CpuSample {
  const out: CpuSample = {};
  for (const [name, pids] of Object.entries(processes)) out[name] = pids.reduce((s, p) => s + cpuOf(p), 0);
  out.postgres = postgresCpu();
  out.nats = pidsOf("nats-server").reduce((s, p) => s + cpuOf(p), 0);
  out.redis = pidsOf("redis-server").reduce((s, p) => s + cpuOf(p), 0);
  const self = process.cpuUsage();
  out[selfName] = (self.user + self.system) / 1e6;
  return out;
}

/** CPU milliseconds per item for each component between two readings, and each one's share of the total. */
export function cpuPerItem(before: CpuSample, after: CpuSample, items: number): string {
  const used = Object.keys(after).map((k) => [k, Math.max(0, (after[k] ?? 0) - (before[k] ?? 0))] as const);
  const total = used.reduce((s, [, v]) => s + v, 0);
  const parts = used.map(
    ([k, v]) => `${k} ${((v / items) * 1000).toFixed(3)} ms (${((v / total) * 100).toFixed(0)} %)`,
  );
  return `CPU per message ${((total / items) * 1000).toFixed(3)} ms: ${parts.join(", ")}`;
}
