import { connectBus, ensureTopology } from "@wa/bus";
import { deliveryWorkerEnv, loadConfigOrExit, redactConfig } from "@wa/config";
import { createDb, pendingMigrations, pingDb } from "@wa/db";
import { startDeliveryWorker } from "@wa/messaging";
import { createMetaClient } from "@wa/meta";
import { createLogger, createMetrics, createShutdown, serveOps } from "@wa/observability";
import { createLimiter, createRedis } from "@wa/ratelimit";
import { createStateStore } from "@wa/state";

const SERVICE = "delivery-worker";

async function main(): Promise<void> {
  const cfg = loadConfigOrExit(deliveryWorkerEnv, { service: SERVICE });
  const log = createLogger({ service: SERVICE, level: cfg.LOG_LEVEL });
  log.info({ config: redactConfig(cfg) }, "starting");
  const metrics = createMetrics({ service: SERVICE });
  const shutdown = createShutdown({ log, deadlineMs: cfg.SHUTDOWN_DEADLINE_MS });
  shutdown.onSignals();

  const db = createDb(cfg.DATABASE_URL, { max: cfg.DB_POOL_MAX, applicationName: SERVICE });
  shutdown.add("postgres", () => db.destroy());
  const pending = await pendingMigrations(db);
  if (pending.length > 0) throw new Error(`database schema is behind (pending: ${pending.join(", ")}); run pnpm migrate`);
  const redis = createRedis(cfg.REDIS_URL, { log });
  shutdown.add("redis", () => redis.quit().catch(() => redis.disconnect()));
  const bus = shutdown.track("nats", await connectBus({ url: cfg.NATS_URL, name: SERVICE, log }));
  await ensureTopology(bus.jsm, cfg);

  const state = createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log });
  const meta = createMetaClient({
    baseUrl: cfg.META_API_BASE_URL, version: cfg.META_API_VERSION, accessToken: cfg.META_ACCESS_TOKEN,
    phoneNumberId: cfg.META_PHONE_NUMBER_ID, wabaId: cfg.META_WABA_ID, timeoutMs: cfg.META_TIMEOUT_MS,
  });
  const limiter = createLimiter({
    redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log,
    // A little under Meta's rate: its bucket keeps some slack for requests that arrive bunched up.
    throughputMps: Math.max(1, Math.floor(cfg.THROUGHPUT_MPS * (100 - cfg.THROUGHPUT_HEADROOM_PCT)) / 100),
    // PAIR_LIMIT_SECS=0 turns pair pacing off: a huge burst never runs dry.
    pairIntervalMs: Math.max(1, cfg.PAIR_LIMIT_SECS * 1000 + cfg.PAIR_MARGIN_MS), pairBurst: cfg.PAIR_LIMIT_SECS === 0 ? 1_000_000 : cfg.PAIR_BURST,
    replicaShare: 1 / cfg.DELIVERY_REPLICAS,
  });

  if (cfg.OPS_PORT > 0) {
    const ready = async () => {
      const postgres = await pingDb(db);
      const nats = !bus.nc.isClosed();
      return { ok: postgres && nats, checks: { postgres, nats, redis: redis.status === "ready" } };
    };
    shutdown.track("ops-http", await serveOps({ port: cfg.OPS_PORT, host: cfg.OPS_HOST, metrics, log, ready }));
  }

  // Closed first (LIFO): stop pulling, finish the sends in flight, then NATS, Redis and Postgres close.
  shutdown.track("consumer", startDeliveryWorker({
    db, state, meta, limiter, phoneNumberId: cfg.META_PHONE_NUMBER_ID, log, metrics,
    js: bus.js, names: cfg, concurrency: cfg.DELIVERY_CONCURRENCY,
  }));
  log.info({ stream: cfg.DELIVERY_STREAM, consumer: cfg.DELIVERY_CONSUMER, concurrency: cfg.DELIVERY_CONCURRENCY }, "ready");
}

main().catch((err: unknown) => {
  process.stderr.write(`${SERVICE}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
