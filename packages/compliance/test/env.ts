import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Database } from "@wa/db";
import { createRedis } from "@wa/ratelimit";
import { clearRedisPrefix, redisPrefix, TEST_REDIS_URL, useTestDatabase } from "@wa/testkit";
import type { Redis } from "ioredis";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

export const REPO_POLICIES = fileURLToPath(new URL("../../../policies.yaml", import.meta.url));

export interface Env {
  readonly db: Kysely<Database>;
  readonly redis: Redis;
  readonly prefix: string;
  readonly acquires: () => number; // pg connections checked out: proves a warm read skipped Postgres
}

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error("use inside a test");
  return v;
}

/** A fresh database (through a pool we can watch) and a Redis prefix for this file. */
export function useEnv(): Env {
  const database = useTestDatabase();
  const prefix = redisPrefix();
  let db: Kysely<Database> | undefined;
  let redis: Redis | undefined;
  let acquired = 0;
  beforeAll(async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 20 });
    pool.on("acquire", () => (acquired += 1));
    pool.on("error", () => {}); // an idle client cut by the database drop must not fail the run
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
      return need(db);
    },
    get redis() {
      return need(redis);
    },
    prefix,
    acquires: () => acquired,
  };
}

/** Counts round trips of a client: one per pipeline/transaction exec, one per plain command. */
export function countingRedis(redis: Redis): { client: Redis; trips: () => number; reset: () => void } {
  let n = 0;
  const single = new Set(["get", "set", "del", "zrangebyscore", "zadd", "zrem", "exists", "evalsha", "eval", "pexpire"]);
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
      if (typeof prop === "string" && single.has(prop)) {
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

let seq = 0;
/** A unique Indonesian mobile number (digits), so tests in one file never share a customer. */
export function idNumber(): string {
  seq += 1;
  return `628${String(process.pid % 1000).padStart(3, "0")}${String(seq).padStart(7, "0")}`;
}
