import type { RateLimitLogger } from "./logger.js";

export type RedisGuardOptions = {
  readonly log: RateLimitLogger;
  readonly now: () => number;
  readonly timeoutMs: number; // our own bound, in case the client has no commandTimeout
  readonly cooldownMs: number; // after a timeout, skip Redis this long instead of paying the timeout per call
  readonly what: string;
};

export type RedisGuard = {
  /** Runs `op` against Redis; `undefined` means "Redis unavailable, use the local fallback". */
  run<T>(op: () => Promise<T>): Promise<T | undefined>;
  readonly mode: () => "redis" | "local";
};

class GuardTimeout extends Error {
  override readonly name = "GuardTimeout";
}

/** Per-call fallback with one log line per transition (redis → local warns, local → redis informs). */
export function createRedisGuard(opts: RedisGuardOptions): RedisGuard {
  let mode: "redis" | "local" = "redis";
  let skipUntil = 0;

  function fail(err: unknown): undefined {
    if (isTimeout(err)) skipUntil = opts.now() + opts.cooldownMs;
    if (mode === "redis") {
      mode = "local";
      opts.log.warn({ err }, `redis unavailable: ${opts.what} falls back to local in-process state`);
    }
    return undefined;
  }

  return {
    mode: () => mode,
    async run(op) {
      if (opts.now() < skipUntil) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new GuardTimeout(`redis call exceeded ${opts.timeoutMs} ms`)), opts.timeoutMs);
      });
      try {
        const value = await Promise.race([op(), deadline]);
        if (mode === "local") {
          mode = "redis";
          opts.log.info({}, `redis reachable again: ${opts.what} back on redis`);
        }
        return value;
      } catch (err) {
        return fail(err);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function isTimeout(err: unknown): boolean {
  return err instanceof GuardTimeout || (err instanceof Error && err.message.includes("timed out"));
}
