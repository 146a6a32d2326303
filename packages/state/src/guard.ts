import type { StateLogger } from "./types.js";

export interface CacheGuardOptions {
  readonly log: StateLogger;
  readonly timeoutMs: number; // our own bound, whatever the client's settings
  readonly cooldownMs: number; // after a failure, skip Redis this long instead of paying for it per call
}

export interface CacheGuard {
  /** Runs a Redis operation; `undefined` means "Redis unavailable, use Postgres". Never throws. */
  run<T>(op: () => Promise<T>): Promise<T | undefined>;
  readonly healthy: () => boolean;
}

class CacheTimeout extends Error {
  override readonly name = "CacheTimeout";
}

/**
 * Redis is a cache here: any failure degrades to Postgres, logged once per outage. The cooldown runs
 * on the monotonic clock, not the injected business clock, which tests may freeze.
 */
export function createCacheGuard(opts: CacheGuardOptions): CacheGuard {
  let down = false;
  let skipUntil = 0;

  return {
    healthy: () => !down,
    async run(op) {
      if (performance.now() < skipUntil) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CacheTimeout(`redis call exceeded ${opts.timeoutMs} ms`)), opts.timeoutMs);
      });
      try {
        const value = await Promise.race([op(), deadline]);
        if (down) {
          down = false;
          opts.log.info({}, "redis reachable again: state cache back on");
        }
        return value;
      } catch (err) {
        skipUntil = performance.now() + opts.cooldownMs;
        if (!down) {
          down = true;
          opts.log.warn({ err }, "redis unavailable: state reads and writes fall back to postgres");
        }
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
