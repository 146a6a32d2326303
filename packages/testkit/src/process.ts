import { type ChildProcess, spawn } from "node:child_process";
import type { Redis } from "ioredis";

export interface SpawnedApp {
  readonly proc: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Spawns a built app (`node <main>`) with `env` on top of the test's environment, capturing its output. */
export function spawnApp(main: string, env: Record<string, string>): SpawnedApp {
  const proc = spawn(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout?.on("data", (b: Buffer) => void (out += b.toString()));
  proc.stderr?.on("data", (b: Buffer) => void (out += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { proc, output: () => out, exited };
}

/** Polls `probe` until it answers something truthy; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Deletes every Redis key under a test's prefix (SCAN, never KEYS). */
export async function clearRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** Polls `url` until it answers 2xx; fails at once if `child` exits first, or after `timeoutMs`. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  { timeoutMs = 20_000, everyMs = 100 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${url}: the process exited with ${child.exitCode} before it was ready`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
