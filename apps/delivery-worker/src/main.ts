import { openAccounts } from "@wa/accounts";
import { deliveryWorkerEnv } from "@wa/config";
import { paceOf, sendingNumbersOf, startDeliveryWorker } from "@wa/messaging";
import { createMetaClient } from "@wa/meta";
import { createLimiter } from "@wa/ratelimit";
import { bootWorker, runMain } from "@wa/runtime";
import { createStateStore } from "@wa/state";

const SERVICE = "delivery-worker";

async function main(): Promise<void> {
  const { cfg, log, metrics, shutdown, db, redis, bus, serveOps } = await bootWorker(SERVICE, deliveryWorkerEnv);

  const state = createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log });
  // accounts.yaml (or the META_* variables as the one default account): every number and its WABA's token (no
  // app secret: this app checks no webhook signature).
  const accounts = await openAccounts({ db, file: cfg.ACCOUNTS_FILE, single: cfg, withSecrets: "tokens" });
  // One Graph client per WABA, with that WABA's token: a token sees only its own WABA's numbers at Meta.
  const numbers = sendingNumbersOf(accounts, (wabaId, accessToken, phoneNumberId) =>
    createMetaClient({
      baseUrl: cfg.META_API_BASE_URL,
      version: cfg.META_API_VERSION,
      accessToken,
      phoneNumberId,
      wabaId,
      timeoutMs: cfg.META_TIMEOUT_MS,
    }),
  );
  const defaultNumber = numbers.defaultNumber;
  const limiter = createLimiter({
    redis,
    keyPrefix: cfg.REDIS_KEY_PREFIX,
    log,
    // Only for a number without a phone_numbers row: the others are paced from their throughput_mps (below).
    // A little under Meta's rate: its bucket keeps some slack for requests that arrive bunched up.
    throughputMps: paceOf(cfg.THROUGHPUT_MPS, cfg.THROUGHPUT_HEADROOM_PCT),
    // PAIR_LIMIT_SECS=0 turns pair pacing off: a huge burst never runs dry.
    pairIntervalMs: Math.max(1, cfg.PAIR_LIMIT_SECS * 1000 + cfg.PAIR_MARGIN_MS),
    pairBurst: cfg.PAIR_LIMIT_SECS === 0 ? 1_000_000 : cfg.PAIR_BURST,
    replicaShare: 1 / cfg.DELIVERY_REPLICAS,
    fallbackStartsEmpty: true,
  });

  await serveOps();

  // Closed first (LIFO): stop pulling, finish the sends in flight, then NATS, Redis and Postgres close.
  shutdown.track(
    "consumer",
    startDeliveryWorker({
      db,
      state,
      meta: numbers.clientOf(defaultNumber)!,
      limiter,
      phoneNumberId: defaultNumber,
      numbers,
      throughput: { headroomPct: cfg.THROUGHPUT_HEADROOM_PCT, refreshMs: cfg.THROUGHPUT_REFRESH_SECS * 1000 },
      log,
      metrics,
      js: bus.js,
      names: cfg,
      concurrency: cfg.DELIVERY_CONCURRENCY,
      pauseProbeMs: cfg.SENDING_PROBE_SECS * 1000,
    }),
  );
  log.info(
    {
      stream: cfg.DELIVERY_STREAM,
      consumer: cfg.DELIVERY_CONSUMER,
      concurrency: cfg.DELIVERY_CONCURRENCY,
      numbers: numbers.all.length,
      default_number: defaultNumber,
    },
    "ready",
  );
}

runMain(SERVICE, main);
