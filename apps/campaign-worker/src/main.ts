import { connectBus, ensureTopology, runConsumer } from "@wa/bus";
import {
  campaignTriggerPublisher, createCampaignSendPath, createCampaignSweeper, createTierSource, createTriggerHandler,
} from "@wa/campaigns";
import { campaignWorkerEnv, loadConfigOrExit, redactConfig } from "@wa/config";
import { createDb, pendingMigrations, pingDb } from "@wa/db";
import { createMetaClient } from "@wa/meta";
import { createLogger, createMetrics, createShutdown, serveOps } from "@wa/observability";
import { createRedis } from "@wa/ratelimit";
import { createStateStore } from "@wa/state";

const SERVICE = "campaign-worker";

async function main(): Promise<void> {
  const cfg = loadConfigOrExit(campaignWorkerEnv, { service: SERVICE });
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

  const meta = createMetaClient({
    baseUrl: cfg.META_API_BASE_URL, version: cfg.META_API_VERSION, accessToken: cfg.META_ACCESS_TOKEN,
    phoneNumberId: cfg.META_PHONE_NUMBER_ID, wabaId: cfg.META_WABA_ID, timeoutMs: cfg.META_TIMEOUT_MS,
  });
  const tier = createTierSource({
    override: cfg.MESSAGING_LIMIT_TIER,
    log,
    fromMeta: async () => {
      const r = await meta.getPhoneNumber();
      if (!r.ok) throw new Error(`Meta answered ${r.error.kind} ${r.error.code ?? ""}`);
      return r.value.messagingLimitTier;
    },
  });
  const send = createCampaignSendPath({
    db, js: bus.js, names: cfg, log, state: createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log }),
    quietHours: cfg.QUIET_HOURS_MODE, consentMode: cfg.CONSENT_MODE, defaultCap: cfg.MARKETING_DAILY_CAP, defaultTimezone: cfg.DEFAULT_TIMEZONE,
    onDecision: (d) => metrics.complianceDecisions.inc({ result: d.allowed ? "allowed" : "denied", reason: d.reason_code ?? "ok" }),
  });
  const publishTrigger = campaignTriggerPublisher(bus.js, cfg);

  if (cfg.OPS_PORT > 0) {
    const ready = async () => {
      const postgres = await pingDb(db);
      const nats = !bus.nc.isClosed();
      return { ok: postgres && nats, checks: { postgres, nats, redis: redis.status === "ready" } };
    };
    shutdown.track("ops-http", await serveOps({ port: cfg.OPS_PORT, host: cfg.OPS_HOST, metrics, log, ready }));
  }

  const sweeper = shutdown.track("sweeper", createCampaignSweeper({
    db, publishTrigger, tier, log, intervalMs: cfg.CAMPAIGN_SWEEP_MS, orphanAfterMs: cfg.CAMPAIGN_ORPHAN_SECS * 1000,
    onMessagesCancelled: send.onMessagesCancelled,
  }));
  sweeper.start();

  // Closed first (LIFO): a long fan-out stops between pages, then the consumer drains.
  const stop = new AbortController();
  const handle = createTriggerHandler({
    db, send: send.enqueueBatch, tier, log, pageSize: cfg.CAMPAIGN_PAGE_SIZE,
    signal: stop.signal, onRecipients: (outcome, n) => metrics.campaignRecipients.inc({ outcome }, n),
  });
  shutdown.track("consumer", runConsumer({
    js: bus.js, stream: cfg.CAMPAIGN_STREAM, consumer: cfg.CAMPAIGN_CONSUMER, inFlight: cfg.CAMPAIGN_INFLIGHT, log,
    handle: async (ctx) => {
      const v = await handle(ctx);
      metrics.consumerMessages.inc({ consumer: cfg.CAMPAIGN_CONSUMER, verdict: v.do });
      return v;
    },
  }));
  shutdown.add("fan-out", () => stop.abort());
  log.info({ stream: cfg.CAMPAIGN_STREAM, consumer: cfg.CAMPAIGN_CONSUMER }, "ready");
}

main().catch((err: unknown) => {
  process.stderr.write(`${SERVICE}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
