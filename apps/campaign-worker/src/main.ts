import { openAccounts } from "@wa/accounts";
import {
  campaignTriggerPublisher,
  createCampaignSweeper,
  createTierSource,
  createTriggerHandler,
  sendThroughMessaging,
} from "@wa/campaigns";
import { createCompliance } from "@wa/compliance";
import { campaignWorkerEnv } from "@wa/config";
import { createMessaging } from "@wa/messaging";
import { createMetaClient } from "@wa/meta";
import { bootWorker, runMain } from "@wa/runtime";
import { createStateStore } from "@wa/state";

const SERVICE = "campaign-worker";

async function main(): Promise<void> {
  const { cfg, log, metrics, shutdown, db, redis, bus, serveOps, consume } = await bootWorker(
    SERVICE,
    campaignWorkerEnv,
  );

  // accounts.yaml (or the META_* variables as the one default account), upserted now: a campaign names its number.
  // Tokens are read only when the tier comes from Meta (MESSAGING_LIMIT_TIER unset).
  const fromMeta = cfg.MESSAGING_LIMIT_TIER === undefined;
  const accounts = await openAccounts({
    db,
    file: cfg.ACCOUNTS_FILE,
    single: cfg,
    withSecrets: fromMeta && "tokens",
  });
  // The portfolio's tier, read through any of its numbers with that number's WABA token.
  const tier = createTierSource({
    override: cfg.MESSAGING_LIMIT_TIER,
    log,
    fromMeta: async (n) => {
      const meta = createMetaClient({
        baseUrl: cfg.META_API_BASE_URL,
        version: cfg.META_API_VERSION,
        accessToken: accounts.token(n.wabaId),
        phoneNumberId: n.phoneNumberId,
        wabaId: n.wabaId,
        timeoutMs: cfg.META_TIMEOUT_MS,
      });
      const r = await meta.getPhoneNumber();
      if (!r.ok) throw new Error(`Meta answered ${r.error.kind} ${r.error.code ?? ""}`);
      return r.value.messagingLimitTier;
    },
  });
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
  // Campaign messages take the agents' send path (@wa/messaging): one decision, one cap, one set of rows.
  const messaging = createMessaging({ db, state, compliance, js: bus.js, names: cfg, log, metrics });
  const send = sendThroughMessaging({ messaging, state, quietHours: cfg.QUIET_HOURS_MODE });
  const publishTrigger = campaignTriggerPublisher(bus.js, cfg);

  await serveOps();

  const sweeper = shutdown.track(
    "sweeper",
    createCampaignSweeper({
      db,
      publishTrigger,
      tier,
      log,
      intervalMs: cfg.CAMPAIGN_SWEEP_MS,
      orphanAfterMs: cfg.CAMPAIGN_ORPHAN_SECS * 1000,
      onMessagesCancelled: send.onMessagesCancelled,
    }),
  );
  sweeper.start();

  // Closed first (LIFO): a long fan-out stops between pages, then the consumer drains.
  const stop = new AbortController();
  const handle = createTriggerHandler({
    db,
    send: send.enqueueBatch,
    tier,
    log,
    pageSize: cfg.CAMPAIGN_PAGE_SIZE,
    signal: stop.signal,
    onRecipients: (outcome, n) => metrics.campaignRecipients.inc({ outcome }, n),
  });
  consume({ stream: cfg.CAMPAIGN_STREAM, consumer: cfg.CAMPAIGN_CONSUMER, inFlight: cfg.CAMPAIGN_INFLIGHT, handle });
  shutdown.add("fan-out", () => stop.abort());
  log.info({ stream: cfg.CAMPAIGN_STREAM, consumer: cfg.CAMPAIGN_CONSUMER, numbers: accounts.numbers.length }, "ready");
}

runMain(SERVICE, main);
