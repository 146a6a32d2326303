import { type Bus, type BusNames, connectBus, ensureTopology, type Handler, runConsumer } from "@wa/bus";
import { type Config, loadConfigOrExit, redactConfig } from "@wa/config";
import { createDb, type Db, pendingMigrations, pingDb } from "@wa/db";
import { createLogger, createMetrics, createShutdown, type Logger, type LogLevel, type Metrics, serveOps, type Shutdown } from "@wa/observability";
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
  consume(opts: { readonly stream: string; readonly consumer: string; readonly inFlight: number; readonly handle: Handler }): void;
}

/**
 * The start every worker shares: config (exit 1 with one line per problem), logger, metrics, LIFO shutdown on
 * SIGTERM, Postgres (refusing a schema behind the code), Redis, NATS with the topology ensured. Closers run in
 * reverse: what the app adds after boot (its consumer) closes before NATS, Redis and Postgres.
 */
export async function bootWorker<S extends z.ZodType<WorkerConfig>>(service: string, schema: S): Promise<Worker<Config<S>>> {
  const cfg = loadConfigOrExit(schema, { service });
  const base = cfg as unknown as WorkerConfig;
  const log = createLogger({ service, level: base.LOG_LEVEL });
  log.info({ config: redactConfig(cfg as Record<string, unknown>) }, "starting");
  const metrics = createMetrics({ service });
  const shutdown = createShutdown({ log, deadlineMs: base.SHUTDOWN_DEADLINE_MS });
  shutdown.onSignals();

  const db = createDb(base.DATABASE_URL, { max: base.DB_POOL_MAX, applicationName: service });
  shutdown.add("postgres", () => db.destroy());
  const pending = await pendingMigrations(db);
  if (pending.length > 0) throw new Error(`database schema is behind (pending: ${pending.join(", ")}); run pnpm migrate`);
  const redis = createRedis(base.REDIS_URL, { log });
  shutdown.add("redis", () => redis.quit().catch(() => redis.disconnect()));
  const bus = shutdown.track("nats", await connectBus({ url: base.NATS_URL, name: service, log }));
  await ensureTopology(bus.jsm, base);

  return {
    cfg, log, metrics, shutdown, db, redis, bus,
    async serveOps(extra) {
      if (base.OPS_PORT <= 0) return;
      const ready = async () => {
        const postgres = await pingDb(db);
        const nats = !bus.nc.isClosed() && (extra ? await extra().catch(() => false) : true);
        return { ok: postgres && nats, checks: { postgres, nats, redis: redis.status === "ready" } };
      };
      shutdown.track("ops-http", await serveOps({ port: base.OPS_PORT, host: base.OPS_HOST, metrics, log, ready }));
    },
    consume({ stream, consumer, inFlight, handle }) {
      shutdown.track("consumer", runConsumer({
        js: bus.js, stream, consumer, inFlight, log,
        handle: async (ctx) => {
          const v = await handle(ctx);
          metrics.consumerMessages.inc({ consumer, verdict: v.do });
          return v;
        },
      }));
    },
  };
}

/** Runs an app's main; a start failure is one line on stderr and exit 1, never a stack trace. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${service}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
