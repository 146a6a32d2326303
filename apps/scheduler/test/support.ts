import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export interface Proc {
  readonly proc: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Spawns the built app (`node dist/main.js`) with `env` on top of the test's environment. */
export function spawnApp(env: Record<string, string>): Proc {
  const proc = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout?.on("data", (b: Buffer) => void (out += b.toString()));
  proc.stderr?.on("data", (b: Buffer) => void (out += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { proc, output: () => out, exited };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let n = 0;
/** Unique numbers that avoid mock-meta's 0001–0009 trigger suffixes. */
export function phone(): string {
  n += 1;
  return `6283${String(process.pid % 1000).padStart(3, "0")}${String(n).padStart(5, "0")}77`;
}
