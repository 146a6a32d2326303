import { hostname } from "node:os";
import { createCompliance, startTemplateSync } from "@wa/compliance";
import { schedulerEnv } from "@wa/config";
import { createMetaClient } from "@wa/meta";
import { startScheduler } from "@wa/messaging";
import { bootWorker, runMain } from "@wa/runtime";
import { createStateStore } from "@wa/state";

const SERVICE = "scheduler";

async function main(): Promise<void> {
  const { cfg, log, metrics, shutdown, db, redis, bus, serveOps } = await bootWorker(SERVICE, schedulerEnv);

  const state = createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log });
  const compliance = createCompliance({
    db,
    state,
    consentMode: cfg.CONSENT_MODE,
    defaultCap: cfg.MARKETING_DAILY_CAP,
    defaultTimezone: cfg.DEFAULT_TIMEZONE,
    usMarketingPause: cfg.META_US_MARKETING_PAUSE,
    onDecision: (d) =>
      metrics.complianceDecisions.inc({
        result: d.allowed ? "allowed" : "denied",
        reason: d.allowed ? "ok" : d.reason_code,
      }),
  });

  await serveOps();

  // Templates kept current without an agent asking: one replica per period wins the claim and syncs.
  const { META_ACCESS_TOKEN: token, META_WABA_ID: wabaId } = cfg;
  if (token && wabaId) {
    const meta = createMetaClient({
      baseUrl: cfg.META_API_BASE_URL,
      version: cfg.META_API_VERSION,
      accessToken: token,
      phoneNumberId: cfg.META_PHONE_NUMBER_ID ?? "",
      wabaId,
      timeoutMs: cfg.META_TIMEOUT_MS,
    });
    const everyMs = cfg.TEMPLATE_SYNC_SECS * 1000;
    const sync = startTemplateSync(
      { db, meta, compliance, now: Date.now },
      { everyMs, claimAs: `${hostname()}:${process.pid}` },
      log,
    );
    shutdown.add("template-sync", sync.stop);
  } else log.warn("META_ACCESS_TOKEN or META_WABA_ID unset: templates are not synced from Meta by this scheduler");

  // Closed first (LIFO): the round in progress finishes, then NATS, Redis and Postgres close.
  shutdown.track(
    "scheduler",
    startScheduler({
      db,
      state,
      compliance,
      js: bus.js,
      names: cfg,
      log,
      metrics,
      tickMs: cfg.SCHEDULER_TICK_MS,
      batchSize: cfg.SCHEDULER_BATCH,
      reconcileEveryMs: cfg.RECONCILE_EVERY_MS,
      reconcile: {
        stuckQueuedMs: cfg.STUCK_QUEUED_SECS * 1000,
        stuckSendingMs: cfg.STUCK_SENDING_SECS * 1000,
        stuckRetryingMs: cfg.STUCK_RETRYING_SECS * 1000,
        maybeSentWaitMs: cfg.MAYBE_SENT_WAIT_SECS * 1000,
      },
    }),
  );
  log.info({ tick_ms: cfg.SCHEDULER_TICK_MS }, "ready");
}

runMain(SERVICE, main);
