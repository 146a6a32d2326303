import { once } from "node:events";
import { createDb, type Db } from "@wa/db";
import { createRedis } from "@wa/ratelimit";
import { clearRedisPrefix, redisPrefix, TEST_REDIS_URL, useTestDatabase } from "@wa/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";

export interface Env {
  readonly db: Db;
  readonly redis: Redis;
  readonly prefix: string;
}

/** A fresh database and a Redis key prefix for this test file, closed and cleaned afterwards. */
export function useStateEnv(): Env {
  const database = useTestDatabase();
  const prefix = redisPrefix();
  let db: Db | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    db = createDb(database.url, { max: 20 });
    redis = createRedis(TEST_REDIS_URL);
    if (redis.status !== "ready") await once(redis, "ready");
  });
  afterAll(async () => {
    if (redis) {
      await clearRedisPrefix(redis, prefix);
      await redis.quit();
    }
    await db?.destroy();
  });
  return {
    get db() {
      if (!db) throw new Error("use inside a test");
      return db;
    },
    get redis() {
      if (!redis) throw new Error("use inside a test");
      return redis;
    },
    prefix,
  };
}

/** A phone number unique to this call (Indonesian mobile range), so tests never share customers. */
let seq = 0;
export function phone(cc = "62"): string {
  seq += 1;
  const tail = `${process.pid % 1000}${Date.now() % 100000}${seq}`.padStart(9, "0").slice(-9);
  return `${cc}8${tail}`;
}

/** Counts the commands a client sends: pipelines/transactions as one round trip each. */
export function countingRedis(redis: Redis): { client: Redis; trips: () => number; reset: () => void } {
  let n = 0;
  const commands = new Set(["get", "set", "del", "zrangebyscore", "zadd", "zrem", "exists", "evalsha", "eval", "pexpire"]);
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
