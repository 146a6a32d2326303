import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { openAccounts } from "@wa/accounts";
import { busSubjects, checkTopology, OUTAGE_BACKOFF_MS, publishWebhookBody } from "@wa/bus";
import { DAY_MS, webhookProcessorEnv } from "@wa/config";
import { createPool } from "@wa/db";
import { bootWorker, runMain } from "@wa/runtime";
import { createInboxDrainer, createWebhookHandler, createWebhookProcessor, startLedgerPruner } from "@wa/webhooks";

const SERVICE = "webhook-processor";

/** Without an accounts file the META_* variables name the one number; with neither, events could not be routed. */
function singleNumber(cfg: { ACCOUNTS_FILE: string; META_PHONE_NUMBER_ID?: string; META_WABA_ID?: string }) {
  const { META_PHONE_NUMBER_ID, META_WABA_ID } = cfg;
  if (META_PHONE_NUMBER_ID && META_WABA_ID) return { META_PHONE_NUMBER_ID, META_WABA_ID };
  if (existsSync(resolve(cfg.ACCOUNTS_FILE))) return { META_PHONE_NUMBER_ID: "0", META_WABA_ID: "0" }; // unused
  throw new Error(
    `no ${cfg.ACCOUNTS_FILE} and META_PHONE_NUMBER_ID / META_WABA_ID unset: set them (or ACCOUNTS_FILE) so every webhook event can be routed to its number`,
  );
}

async function main(): Promise<void> {
  const { cfg, log, metrics, shutdown, db, redis, bus, serveOps, consume } = await bootWorker(
    SERVICE,
    webhookProcessorEnv,
  );
  // A plain pool for the hot status statement: named prepared statements are planned once per connection.
  // createPool: a connection cut mid-statement must reject that statement, not kill the process.
  const pool = createPool(cfg.DATABASE_URL, { max: cfg.DB_POOL_MAX, applicationName: `${SERVICE}-statuses` });
  shutdown.add("postgres-statuses", () => pool.end());

  // Businesses, WABAs and numbers (accounts.yaml, or the META_* variables as the one default account), without
  // secrets: every event is routed by its number or WABA; one for a number not listed is dead-lettered.
  const accounts = await openAccounts({ db, file: cfg.ACCOUNTS_FILE, single: singleNumber(cfg) });
  log.info(
    { numbers: accounts.numbers.length, default_number: accounts.defaultNumber.phoneNumberId },
    "accounts loaded",
  );
  const inboundSubject = busSubjects(cfg).inboundNew;
  await serveOps(() => checkTopology(bus.jsm, cfg).then((p) => p.length === 0));

  const processor = createWebhookProcessor({
    db,
    pool,
    redis,
    keyPrefix: cfg.REDIS_KEY_PREFIX,
    log,
    metrics,
    accounts,
    concurrency: cfg.WEBHOOK_EVENT_CONCURRENCY,
    optOutKeywords: cfg.OPT_OUT_KEYWORDS,
    optInKeywords: cfg.OPT_IN_KEYWORDS,
    // Best effort, no stream: MCP gateways relay it to subscribed agents; wait_for_messages reads Postgres anyway.
    onInbound: (n) =>
      bus.nc.publish(
        inboundSubject,
        JSON.stringify({
          customer_id: n.customerId,
          wamid: n.wamid,
          channel: n.channel,
          phone_number_id: n.phoneNumberId ?? null,
        }),
      ),
  });
  const handle = createWebhookHandler(processor);
  // Bodies the receiver kept in Postgres while NATS was down go back into the stream (closed after the consumer).
  const drainer = shutdown.track(
    "inbox-drainer",
    createInboxDrainer({
      db,
      log,
      intervalMs: cfg.INBOX_DRAIN_MS,
      publish: (body, receivedAt) => publishWebhookBody(bus.js, cfg, body, { receivedAt }),
    }),
  );
  drainer.start();
  shutdown.track(
    "ledger-pruner",
    startLedgerPruner({ db, log, retentionMs: cfg.WEBHOOK_LEDGER_RETENTION_DAYS * DAY_MS }),
  );
  // Unlimited deliveries: a Postgres outage is retried with these delays for as long as it lasts.
  consume({
    stream: cfg.WEBHOOK_STREAM,
    consumer: cfg.WEBHOOK_CONSUMER,
    inFlight: cfg.WEBHOOK_INFLIGHT,
    handle,
    backoffMs: OUTAGE_BACKOFF_MS,
  });
  log.info({ stream: cfg.WEBHOOK_STREAM, consumer: cfg.WEBHOOK_CONSUMER }, "ready");
}

runMain(SERVICE, main);
