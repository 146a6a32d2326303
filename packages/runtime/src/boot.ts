import { type Bus, type BusNames, connectBus, ensureTopology, type Handler, runConsumer } from "@wa/bus";
import { type Config, loadConfigOrExit, redactConfig, redactUrl } from "@wa/config";
import { createDb, type Db, pendingMigrations, permanentDbError, pingDb } from "@wa/db";
import {
  createLogger,
  createMetrics,
  createShutdown,
  type Logger,
  type LogLevel,
  logProcessWarnings,
  type Metrics,
  serveOps,
  type Shutdown,
} from "@wa/observability";
import { createRedis } from "@wa/ratelimit";
import type { Redis } from "ioredis";
import type { z } from "zod";

/** What every worker-style app (delivery, campaign, scheduler, webhook processor) reads from its config. */
export interface WorkerConfig extends BusNames {
  readonly LOG_LEVEL: LogLevel;
  readonly SHUTDOWN_DEADLINE_MS: number;
  readonly DATABASE_URL: string;
  readonly DB_POOL_MAX: number;
  readonly REDIS_URL: string;
  readonly REDIS_KEY_PREFIX: string;
  readonly NATS_URL: string;
  readonly OPS_PORT: number;
  readonly OPS_HOST: string;
}

export interface Worker<C> {
  readonly cfg: C;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly shutdown: Shutdown;
  readonly db: Db;
  readonly redis: Redis;
  readonly bus: Bus;
  /** Serves /health, /ready (Postgres and NATS reachable, plus `extra`) and /metrics when OPS_PORT > 0. */
  serveOps(extra?: () => Promise<boolean>): Promise<void>;
  /** Runs the app's pull consumer, counting verdicts in wa_consumer_messages_total; closed first on shutdown. */
  consume(opts: {
    readonly stream: string;
    readonly consumer: string;
    readonly inFlight: number;
    readonly handle: Handler;
    /** Nak delays after a handler threw (default @wa/bus DELIVERY_BACKOFF_MS). */
    readonly backoffMs?: readonly number[];
  }): void;
}

/**
 * The start every worker shares: config (exit 1 with one line per problem), logger, metrics, LIFO shutdown on
 * SIGTERM, Postgres (refusing a schema behind the code), Redis, NATS with the topology ensured. Closers run in
 * reverse: what the app adds after boot (its consumer) closes before NATS, Redis and Postgres.
 */
export async function bootWorker<S extends z.ZodType<WorkerConfig>>(
  service: string,
  schema: S,
): Promise<Worker<Config<S>>> {
  const cfg = loadConfigOrExit(schema, { service });
  const base = cfg as unknown as WorkerConfig;
  const log = createLogger({ service, level: base.LOG_LEVEL });
  logProcessWarnings(log);
  log.info({ config: redactConfig(cfg as Record<string, unknown>) }, "starting");
  const metrics = createMetrics({ service });
  const shutdown = createShutdown({ log, deadlineMs: base.SHUTDOWN_DEADLINE_MS });
  shutdown.onSignals();

  const db = createDb(base.DATABASE_URL, { max: base.DB_POOL_MAX, applicationName: service });
  shutdown.add("postgres", () => db.destroy());
  await checkSchema(db, base.DATABASE_URL, log);
  const redis = createRedis(base.REDIS_URL, { log });
  shutdown.add("redis", () => redis.quit().catch(() => redis.disconnect()));
  const bus = shutdown.track("nats", await connectBus({ url: base.NATS_URL, name: service, log }));
  await ensureTopology(bus.jsm, base);

  return {
    cfg,
    log,
    metrics,
    shutdown,
    db,
    redis,
    bus,
    async serveOps(extra) {
      if (base.OPS_PORT <= 0) return;
      const ready = async () => {
        const postgres = await pingDb(db);
        const nats = !bus.nc.isClosed() && (extra ? await extra().catch(() => false) : true);
        return { ok: postgres && nats, checks: { postgres, nats, redis: redis.status === "ready" } };
      };
      shutdown.track("ops-http", await serveOps({ port: base.OPS_PORT, host: base.OPS_HOST, metrics, log, ready }));
    },
    consume({ stream, consumer, inFlight, handle, backoffMs }) {
      shutdown.track(
        "consumer",
        runConsumer({
          js: bus.js,
          stream,
          consumer,
          inFlight,
          log,
          backoffMs,
          handle: async (ctx) => {
            const v = await handle(ctx);
            metrics.consumerMessages.inc({ consumer, verdict: v.do });
            return v;
          },
        }),
      );
    },
  };
}

/**
 * Refuses to start on a schema behind the code or a Postgres error no retry fixes (missing database or role,
 * wrong password): the cause in one line. A transient one (unreachable, starting up) is logged once and
 * retried with backoff until Postgres answers, so a worker started before its database comes up instead of dying.
 */
async function checkSchema(db: Db, url: string, log: Logger): Promise<void> {
  let delayMs = 250;
  let waiting = false;
  for (;;) {
    let pending: string[];
    try {
      pending = await pendingMigrations(db);
    } catch (err) {
      const permanent = permanentDbError(err);
      if (permanent)
        throw new Error(
          `postgres refused ${redactUrl(url)}: ${permanent}; fix DATABASE_URL (or run pnpm migrate to create the database)`,
          { cause: err },
        );
      if (!waiting)
        log.warn(
          { err: { message: (err as Error).message } },
          "postgres unreachable at start; retrying until it answers",
        );
      waiting = true;
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 5_000);
      continue;
    }
    if (waiting) log.info("postgres answers; starting");
    if (pending.length > 0)
      throw new Error(`database schema is behind (pending: ${pending.join(", ")}); run pnpm migrate`);
    return;
  }
}

/** Runs an app's main; a start failure is one line on stderr and exit 1, never a stack trace. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${service}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
