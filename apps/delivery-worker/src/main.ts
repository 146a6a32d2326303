import { deliveryWorkerEnv } from "@wa/config";
import { startDeliveryWorker } from "@wa/messaging";
import { createMetaClient } from "@wa/meta";
import { createLimiter } from "@wa/ratelimit";
import { bootWorker, runMain } from "@wa/runtime";
import { createStateStore } from "@wa/state";

const SERVICE = "delivery-worker";

async function main(): Promise<void> {
  const { cfg, log, metrics, shutdown, db, redis, bus, serveOps } = await bootWorker(SERVICE, deliveryWorkerEnv);

  const state = createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log });
  const meta = createMetaClient({
    baseUrl: cfg.META_API_BASE_URL,
    version: cfg.META_API_VERSION,
    accessToken: cfg.META_ACCESS_TOKEN,
    phoneNumberId: cfg.META_PHONE_NUMBER_ID,
    wabaId: cfg.META_WABA_ID,
    timeoutMs: cfg.META_TIMEOUT_MS,
  });
  const limiter = createLimiter({
    redis,
    keyPrefix: cfg.REDIS_KEY_PREFIX,
    log,
    // A little under Meta's rate: its bucket keeps some slack for requests that arrive bunched up.
    throughputMps: Math.max(1, Math.floor(cfg.THROUGHPUT_MPS * (100 - cfg.THROUGHPUT_HEADROOM_PCT)) / 100),
    // PAIR_LIMIT_SECS=0 turns pair pacing off: a huge burst never runs dry.
    pairIntervalMs: Math.max(1, cfg.PAIR_LIMIT_SECS * 1000 + cfg.PAIR_MARGIN_MS),
    pairBurst: cfg.PAIR_LIMIT_SECS === 0 ? 1_000_000 : cfg.PAIR_BURST,
    replicaShare: 1 / cfg.DELIVERY_REPLICAS,
  });

  await serveOps();

  // Closed first (LIFO): stop pulling, finish the sends in flight, then NATS, Redis and Postgres close.
  shutdown.track(
    "consumer",
    startDeliveryWorker({
      db,
      state,
      meta,
      limiter,
      phoneNumberId: cfg.META_PHONE_NUMBER_ID,
      log,
      metrics,
      js: bus.js,
      names: cfg,
      concurrency: cfg.DELIVERY_CONCURRENCY,
      pauseProbeMs: cfg.SENDING_PROBE_SECS * 1000,
    }),
  );
  log.info(
    { stream: cfg.DELIVERY_STREAM, consumer: cfg.DELIVERY_CONSUMER, concurrency: cfg.DELIVERY_CONCURRENCY },
    "ready",
  );
}

runMain(SERVICE, main);
