// What every benchmark that spawns an app does with the process: profile it on request, stop it gracefully.
import type { ChildProcess } from "node:child_process";

/** BENCH_CPU_PROF=<dir>: node arguments that make a spawned app write a V8 CPU profile there when it exits. */
export const profileArgs = (): string[] =>
  process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

/** SIGTERM (the app drains and, profiled, writes its profile), then waits for the exit; SIGKILL after `killAfterMs`. */
export async function stopProcess(p: ChildProcess, killAfterMs?: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => p.kill("SIGKILL"), killAfterMs);
  await exited;
  clearTimeout(timer);
}
