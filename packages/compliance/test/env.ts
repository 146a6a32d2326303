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

export { countingRedis } from "@wa/testkit";

let seq = 0;
/** A unique Indonesian mobile number (digits), so tests in one file never share a customer. */
export function idNumber(): string {
  seq += 1;
  return `628${String(process.pid % 1000).padStart(3, "0")}${String(seq).padStart(7, "0")}`;
}
