import { hostname } from "node:os";
import { createCompliance, openTemplateSources, startTemplateSync } from "@wa/compliance";
import { schedulerEnv } from "@wa/config";
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

  // Templates kept current without an agent asking: one replica per period wins the claim and syncs every WABA
  // of the accounts, each with its own token (accounts.yaml; else META_WABA_ID with META_ACCESS_TOKEN).
  // A token accounts.yaml names but this process lacks stops the sync, not the scheduler (it says which variable).
  const wabas = await openTemplateSources(db, cfg).catch((err: unknown) => {
    log.warn({ err }, "templates not synced: the accounts' tokens could not be read");
    return null;
  });
  if (wabas) {
    const everyMs = cfg.TEMPLATE_SYNC_SECS * 1000;
    const sync = startTemplateSync(
      { db, wabas, compliance, now: Date.now },
      { everyMs, claimAs: `${hostname()}:${process.pid}` },
      log,
    );
    shutdown.add("template-sync", sync.stop);
  } else
    log.warn(
      "templates are not synced from Meta by this scheduler (no accounts.yaml, META_ACCESS_TOKEN or META_WABA_ID)",
    );

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
