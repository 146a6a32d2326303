import { Redis } from "ioredis";
import { silentLogger, type RateLimitLogger } from "./logger.js";

export type CreateRedisOptions = {
  readonly keyPrefix?: string;
  readonly lazy?: boolean; // connect on the first command instead of now
  readonly commandTimeoutMs?: number;
  readonly log?: RateLimitLogger;
};

/**
 * A client for Redis as a cache and limiter: fail fast and let the caller fall back, rather than
 * queue commands or retry them while Redis is away. Reconnects in the background with capped backoff.
 */
export function createRedis(url: string, opts: CreateRedisOptions = {}): Redis {
  const log = opts.log ?? silentLogger;
  const redis = new Redis(url, {
    keyPrefix: opts.keyPrefix,
    lazyConnect: opts.lazy ?? false,
    enableOfflineQueue: false, // a command while disconnected fails at once instead of waiting
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 250, // loopback round trips are ~50 µs (toolchain.md §9)
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  });
  // One log line per outage, not one per reconnect attempt; an 'error' listener also stops ioredis printing.
  let reported = false;
  redis.on("error", (err: Error) => {
    if (reported) return;
    reported = true;
    log.warn({ err }, "redis connection error; reconnecting in the background");
  });
  redis.on("ready", () => {
    if (!reported) return;
    reported = false;
    log.info({}, "redis connection ready again");
  });
  return redis;
}
