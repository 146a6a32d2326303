// What the tests of the built worker stand on: their own database, Redis prefix, NATS streams and mock-meta, the
// worker processes they spawn on it, and queued template rows as the gateway leaves them.
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { createDb, type Db } from "@wa/db";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createRedis } from "@wa/ratelimit";
import {
  busNames,
  clearRedisPrefix,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@wa/testkit";
import type { Redis } from "ioredis";
import { phone, spawnWorker, type Proc } from "./support.js";

export interface Services {
  t: TestDatabase;
  db: Db;
  redis: Redis;
  bus: Bus;
  mock: RunningMockMeta;
}

/** A test file's services (up in beforeAll, down in afterAll) and the workers it starts on them. */
export function workerStack(o: { busName: string; dbMax: number }) {
  const names = busNames();
  const prefix = redisPrefix();
  const running: Proc[] = [];
  let s: Services | undefined;
  const services = (): Services => {
    if (!s) throw new Error("workerStack: up() first");
    return s;
  };
  return {
    names,
    prefix,
    /** Every worker started, in order. */
    running,
    async up(mockOptions: Parameters<typeof startMockMeta>[0]): Promise<Services> {
      const t = await createTestDatabase();
      const db = createDb(t.url, { max: o.dbMax });
      const redis = createRedis(TEST_REDIS_URL, { lazy: true });
      await redis.connect();
      const bus = await connectBus({ url: TEST_NATS_URL, name: o.busName });
      await ensureTopology(bus.jsm, names);
      const mock = await startMockMeta(mockOptions);
      s = { t, db, redis, bus, mock };
      return s;
    },
    /** Spawns `node dist/main.js` on these services (ops port 0, LOG_LEVEL warn) with `env` on top. */
    start(env: Record<string, string>): Proc {
      const { t, mock } = services();
      const w = spawnWorker({
        DATABASE_URL: t.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        NATS_URL: TEST_NATS_URL,
        ...names,
        META_API_BASE_URL: mock.url,
        OPS_PORT: "0",
        LOG_LEVEL: "warn",
        ...env,
      });
      running.push(w);
      return w;
    },
    /** Closes mock-meta, drops the streams, Redis keys and database (stop the workers first). */
    async down(): Promise<void> {
      const { t, db, redis, bus, mock } = services();
      await mock.close();
      await dropStreams(bus.jsm, names);
      await bus.close();
      await clearRedisPrefix(redis, prefix);
      await redis.quit();
      await db.destroy();
      await t.drop();
    },
  };
}

/** n queued order_update template rows to n new customers, straight into Postgres (no envelopes); `from` null: no number named. */
export async function queuedTemplates(
  db: Db,
  n: number,
  variables: string[],
  from: string | null = null,
): Promise<{ ids: string[]; tos: string[] }> {
  const tos = Array.from({ length: n }, () => phone());
  await db
    .insertInto("customers")
    .values(tos.map((to) => ({ customer_id: to, phone: to })))
    .execute();
  const rows = await db
    .insertInto("messages")
    .values(
      tos.map((to) => ({
        customer_id: to,
        direction: "outbound" as const,
        category: "utility" as const,
        kind: "template",
        status: "queued" as const,
        phone_number_id: from,
        content: JSON.stringify({ type: "template", template_name: "order_update", locale: "en", variables }),
        template_name: "order_update",
        template_locale: "en",
        queued_at: new Date(),
      })),
    )
    .returning("id")
    .execute();
  return { ids: rows.map((r) => r.id), tos };
}
