// The delivery benchmarks' stack: a fresh database, this run's NATS streams and Redis prefix, mock-meta, and the
// spawned apps/delivery-worker processes (node dist/main.js), all removed again by close().
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connectBus, ensureTopology, publishOutbound, type Bus, type BusNames } from "@wa/bus";
import { createDb, type Db } from "@wa/db";
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID, startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import {
  busNames,
  clearRedisPrefix,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
} from "@wa/testkit";
import { Redis } from "ioredis";
import { profileArgs, stopProcess } from "./app-process.js";

const WORKER = fileURLToPath(new URL("../../apps/delivery-worker/dist/main.js", import.meta.url));

export interface Stack {
  readonly db: Db;
  readonly bus: Bus;
  readonly names: BusNames;
  readonly mock: RunningMockMeta;
  readonly prefix: string;
  readonly url: string;
  readonly workers: ChildProcess[];
  close(): Promise<void>;
}

/** `name` is the database pool's application name and the bus connection's; `seed` fills the database first. */
export async function openStack(opts: {
  name: string;
  mock: Parameters<typeof startMockMeta>[0];
  seed?: (db: Db) => Promise<void>;
}): Promise<Stack> {
  const tdb = await createTestDatabase();
  const db = createDb(tdb.url, { max: 4, applicationName: opts.name });
  await opts.seed?.(db);
  const names = busNames();
  const bus = await connectBus({ url: TEST_NATS_URL, name: opts.name });
  await ensureTopology(bus.jsm, names);
  const mock = await startMockMeta(opts.mock);
  const prefix = redisPrefix();
  const workers: ChildProcess[] = [];
  return {
    db,
    bus,
    names,
    mock,
    prefix,
    url: tdb.url,
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => stopProcess(w)));
      await mock.close();
      await dropStreams(bus.jsm, names);
      await bus.close();
      const redis = new Redis(TEST_REDIS_URL);
      await clearRedisPrefix(redis, prefix);
      redis.disconnect();
      await db.destroy();
      await tdb.drop();
    },
  };
}

/** `count` delivery workers on the stack, sending from mock-meta's default number unless `env` says otherwise. */
export function spawnWorkers(s: Stack, count: number, env: Record<string, string>): void {
  const prof = profileArgs(); // each worker writes its profile when close() stops it
  for (let i = 0; i < count; i++) {
    s.workers.push(
      spawn(process.execPath, [...prof, WORKER], {
        env: {
          ...process.env,
          ...s.names,
          DATABASE_URL: s.url,
          DB_POOL_MAX: "24",
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: s.prefix,
          NATS_URL: TEST_NATS_URL,
          META_API_BASE_URL: s.mock.url,
          META_ACCESS_TOKEN: "mock-token",
          META_PHONE_NUMBER_ID: DEFAULT_PHONE_NUMBER_ID,
          META_WABA_ID: DEFAULT_WABA_ID,
          OPS_PORT: "0",
          LOG_LEVEL: "warn",
          DELIVERY_REPLICAS: String(count),
          ...env,
        },
        stdio: ["ignore", "ignore", "inherit"],
      }),
    );
  }
}

/** Publishes the queued rows' envelopes in this order, 500 at a time (before any worker starts, in the benches). */
export async function publishEnvelopes(s: Stack, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500)
    await Promise.all(ids.slice(i, i + 500).map((id) => publishOutbound(s.bus.js, s.names, { message_id: id })));
}
