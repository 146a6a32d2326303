import { loadConfigOrExit, mockMetaEnv } from "@wa/config";
import { createLogger, createShutdown } from "@wa/observability";
import { accountsFromEnv } from "./accounts-env.js";
import { startMockMeta } from "./server.js";

const SERVICE = "mock-meta";

async function main(): Promise<void> {
  const cfg = loadConfigOrExit(mockMetaEnv, { service: SERVICE });
  const log = createLogger({ service: SERVICE, level: cfg.LOG_LEVEL });
  const shutdown = createShutdown({ log, deadlineMs: cfg.SHUTDOWN_DEADLINE_MS });
  shutdown.onSignals();
  const running = await startMockMeta({
    port: cfg.PORT,
    host: cfg.HOST,
    accessToken: cfg.META_ACCESS_TOKEN,
    appSecret: cfg.META_APP_SECRET,
    phoneNumberId: cfg.META_PHONE_NUMBER_ID,
    wabaId: cfg.META_WABA_ID,
    ...(cfg.MOCK_META_ACCOUNTS === undefined ? {} : { accounts: accountsFromEnv(cfg.MOCK_META_ACCOUNTS) }),
    webhookTargetUrl: cfg.WEBHOOK_TARGET_URL,
    throughputMps: cfg.MOCK_META_THROUGHPUT_MPS,
    pairBurst: cfg.MOCK_META_PAIR_BURST,
    pairIntervalMs: cfg.MOCK_META_PAIR_INTERVAL_MS,
    forceErrors: cfg.MOCK_META_FORCE_ERRORS,
    latencyMs: cfg.MOCK_META_LATENCY_MS,
    failureRate: cfg.MOCK_META_FAILURE_RATE,
    seed: cfg.MOCK_META_SEED,
    webhookDelayMs: cfg.MOCK_META_WEBHOOK_DELAY_MS,
    log: log.child({ component: "mock" }),
  });
  shutdown.track("http", running);
  log.info(
    {
      url: running.url,
      phone_number_id: running.mock.state.defaultPhoneId,
      waba_id: running.mock.state.defaultWabaId,
      // Ids only: the accounts' tokens and app secrets stay out of the log.
      accounts: [...running.mock.state.accounts.keys()].map((waba) => ({
        waba_id: waba,
        phone_number_ids: [...running.mock.state.phones.values()].filter((p) => p.wabaId === waba).map((p) => p.id),
      })),
      webhook_target_url: cfg.WEBHOOK_TARGET_URL ?? null,
    },
    "mock-meta listening",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${SERVICE}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
