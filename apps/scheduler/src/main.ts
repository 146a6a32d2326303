import { connectBus, ensureTopology } from "@wa/bus";
import { createCompliance } from "@wa/compliance";
import { schedulerEnv, loadConfigOrExit, redactConfig } from "@wa/config";
import { createDb, pendingMigrations, pingDb } from "@wa/db";
import { startScheduler } from "@wa/messaging";
import { createLogger, createMetrics, createShutdown, serveOps } from "@wa/observability";
import { createRedis } from "@wa/ratelimit";
import { createStateStore } from "@wa/state";

const SERVICE = "scheduler";

async function main(): Promise<void> {
  const cfg = loadConfigOrExit(schedulerEnv, { service: SERVICE });
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
  const compliance = createCompliance({
    db, state, consentMode: cfg.CONSENT_MODE, defaultCap: cfg.MARKETING_DAILY_CAP, defaultTimezone: cfg.DEFAULT_TIMEZONE,
    onDecision: (d) => metrics.complianceDecisions.inc({ result: d.allowed ? "allowed" : "denied", reason: d.reason_code ?? "ok" }),
  });

  if (cfg.OPS_PORT > 0) {
    const ready = async () => {
      const postgres = await pingDb(db);
      const nats = !bus.nc.isClosed();
      return { ok: postgres && nats, checks: { postgres, nats, redis: redis.status === "ready" } };
    };
    shutdown.track("ops-http", await serveOps({ port: cfg.OPS_PORT, host: cfg.OPS_HOST, metrics, log, ready }));
  }

  // Closed first (LIFO): the round in progress finishes, then NATS, Redis and Postgres close.
  shutdown.track("scheduler", startScheduler({
    db, state, compliance, js: bus.js, names: cfg, log, metrics,
    tickMs: cfg.SCHEDULER_TICK_MS, batchSize: cfg.SCHEDULER_BATCH, reconcileEveryMs: cfg.RECONCILE_EVERY_MS,
    reconcile: { stuckQueuedMs: cfg.STUCK_QUEUED_SECS * 1000, stuckSendingMs: cfg.STUCK_SENDING_SECS * 1000, stuckRetryingMs: cfg.STUCK_RETRYING_SECS * 1000 },
  }));
  log.info({ tick_ms: cfg.SCHEDULER_TICK_MS }, "ready");
}

main().catch((err: unknown) => {
  process.stderr.write(`${SERVICE}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
