import { createCompliance } from "@wa/compliance";
import { schedulerEnv } from "@wa/config";
import { startScheduler } from "@wa/messaging";
import { bootWorker, runMain } from "@wa/runtime";
import { createStateStore } from "@wa/state";

const SERVICE = "scheduler";

async function main(): Promise<void> {
  const { cfg, log, metrics, shutdown, db, redis, bus, serveOps } = await bootWorker(SERVICE, schedulerEnv);

  const state = createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log });
  const compliance = createCompliance({
    db, state, consentMode: cfg.CONSENT_MODE, defaultCap: cfg.MARKETING_DAILY_CAP, defaultTimezone: cfg.DEFAULT_TIMEZONE,
    onDecision: (d) => metrics.complianceDecisions.inc({ result: d.allowed ? "allowed" : "denied", reason: d.reason_code ?? "ok" }),
  });

  await serveOps();

  // Closed first (LIFO): the round in progress finishes, then NATS, Redis and Postgres close.
  shutdown.track("scheduler", startScheduler({
    db, state, compliance, js: bus.js, names: cfg, log, metrics,
    tickMs: cfg.SCHEDULER_TICK_MS, batchSize: cfg.SCHEDULER_BATCH, reconcileEveryMs: cfg.RECONCILE_EVERY_MS,
    reconcile: { stuckQueuedMs: cfg.STUCK_QUEUED_SECS * 1000, stuckSendingMs: cfg.STUCK_SENDING_SECS * 1000, stuckRetryingMs: cfg.STUCK_RETRYING_SECS * 1000 },
  }));
  log.info({ tick_ms: cfg.SCHEDULER_TICK_MS }, "ready");
}

runMain(SERVICE, main);
