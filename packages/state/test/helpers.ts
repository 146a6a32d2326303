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

export { countingRedis } from "@wa/testkit";
