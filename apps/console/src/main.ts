import { serve } from "@hono/node-server";
import { campaignTriggerPublisher } from "@wa/campaigns";
import { createCompliance, openTemplateSources, syncTemplates } from "@wa/compliance";
import { consoleEnv } from "@wa/config";
import { createMessaging } from "@wa/messaging";
import { pruneSessions } from "@wa/operators";
import { bootWorker, runMain } from "@wa/runtime";
import { createStateStore } from "@wa/state";
import { createWebhookProcessor } from "@wa/webhooks";
import { createConsoleApp } from "./app.js";

const SERVICE = "console";

async function main(): Promise<void> {
  const { cfg, log, shutdown, db, redis, bus, serveOps } = await bootWorker(SERVICE, consoleEnv);
  const state = createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log });
  const processor = createWebhookProcessor({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log });
  // Approved requests run through the same send path (and the same compliance) as the agent's tools.
  const compliance = createCompliance({
    db,
    state,
    consentMode: cfg.CONSENT_MODE,
    defaultCap: cfg.MARKETING_DAILY_CAP,
    defaultTimezone: cfg.DEFAULT_TIMEZONE,
  });
  const messaging = createMessaging({ db, state, compliance, js: bus.js, names: cfg, log });
  // "Sync now" re-reads every WABA's templates with its own token (accounts.yaml; else META_WABA_ID).
  // A token accounts.yaml names but the console lacks disables "sync now", not the console.
  const wabas = await openTemplateSources(db, cfg).catch((err: unknown) => {
    log.warn({ err }, "template sync unavailable: the accounts' tokens could not be read");
    return null;
  });
  const app = createConsoleApp({
    cfg,
    db,
    log,
    now: Date.now,
    state,
    campaigns: {
      db,
      log,
      throughputMps: cfg.THROUGHPUT_MPS,
      publishTrigger: campaignTriggerPublisher(bus.js, cfg),
      onMessagesCancelled: async (cancelled) => {
        for (const m of cancelled)
          if (m.heldSlot) await state.invalidate({ customerId: m.customerId, channel: m.channel });
      },
    },
    send: messaging.enqueueOutbound,
    processBody: (body) => processor.processBody(body),
    login: {
      sessionTtlMs: cfg.CONSOLE_SESSION_HOURS * 3_600_000,
      maxFailures: cfg.CONSOLE_LOGIN_MAX_FAILURES,
      lockMs: cfg.CONSOLE_LOGIN_LOCK_SECS * 1000,
    },
    queueDepth: async () => {
      const info = await bus.jsm.consumers.info(cfg.DELIVERY_STREAM, cfg.DELIVERY_CONSUMER).catch(() => null);
      return info ? info.num_pending + info.num_ack_pending : null;
    },
    syncTemplates: wabas ? () => syncTemplates({ db, wabas, compliance, now: Date.now }) : null,
  });
  await serveOps();
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: cfg.PORT, hostname: cfg.HOST }, () => resolve(s));
  });
  shutdown.add(
    "http",
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open SSE streams would hold close() until the deadline: end idle and streaming sockets now.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  );
  const prune = setInterval(
    () => void pruneSessions(db).catch((err: unknown) => log.warn({ err }, "session prune failed")),
    3_600_000,
  );
  prune.unref();
  shutdown.add("session-prune", async () => clearInterval(prune));
  const address = server.address();
  log.info({ port: typeof address === "object" && address ? address.port : cfg.PORT }, "ready");
}

runMain(SERVICE, main);
