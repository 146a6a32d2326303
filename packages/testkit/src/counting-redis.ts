import type { Redis } from "ioredis";

/** Counts a client's round trips to Redis: one per plain command, one per pipeline/transaction exec. */
export function countingRedis(redis: Redis): { client: Redis; trips: () => number; reset: () => void } {
  let n = 0;
  const commands = new Set([
    "get",
    "set",
    "del",
    "zrangebyscore",
    "zadd",
    "zrem",
    "exists",
    "evalsha",
    "eval",
    "pexpire",
  ]);
  const client = new Proxy(redis, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "pipeline" || prop === "multi") {
        return (...args: unknown[]) => {
          const p = (value as (...a: unknown[]) => { exec: () => Promise<unknown> }).apply(target, args);
          const exec = p.exec.bind(p);
          p.exec = () => {
            n += 1;
            return exec();
          };
          return p;
        };
      }
      if (typeof prop === "string" && commands.has(prop)) {
        return (...args: unknown[]) => {
          n += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  return { client, trips: () => n, reset: () => (n = 0) };
}
