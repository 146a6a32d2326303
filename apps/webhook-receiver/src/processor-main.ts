import { checkTopology, publishWebhookBody } from "@wa/bus";
import { webhookReceiverEnv } from "@wa/config";
import { createPool } from "@wa/db";
import { bootWorker, runMain } from "@wa/runtime";
import { createInboxDrainer, createWebhookHandler, createWebhookProcessor, pruneLedger } from "@wa/webhooks";

const SERVICE = "webhook-processor";

async function main(): Promise<void> {
  const { cfg, log, metrics, shutdown, db, redis, bus, serveOps, consume } = await bootWorker(SERVICE, webhookReceiverEnv);
  // A plain pool for the hot status statement: named prepared statements are planned once per connection.
  // createPool: a connection cut mid-statement must reject that statement, not kill the process.
  const pool = createPool(cfg.DATABASE_URL, { max: cfg.DB_POOL_MAX, applicationName: `${SERVICE}-statuses` });
  shutdown.add("postgres-statuses", () => pool.end());

  await serveOps(() => checkTopology(bus.jsm, cfg).then((p) => p.length === 0));

  const processor = createWebhookProcessor({
    db, pool, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log, metrics, concurrency: cfg.WEBHOOK_EVENT_CONCURRENCY,
    optOutKeywords: cfg.OPT_OUT_KEYWORDS, optInKeywords: cfg.OPT_IN_KEYWORDS,
  });
  const handle = createWebhookHandler(processor);
  // Bodies the receiver kept in Postgres while NATS was down go back into the stream (closed after the consumer).
  const drainer = shutdown.track("inbox-drainer", createInboxDrainer({
    db, log, intervalMs: cfg.INBOX_DRAIN_MS,
    publish: (body, receivedAt) => publishWebhookBody(bus.js, cfg, body, { receivedAt }),
  }));
  drainer.start();
  // The dedup ledger only needs to outlive Meta's redelivery window; prune it hourly so it stays small.
  const retentionMs = cfg.WEBHOOK_LEDGER_RETENTION_DAYS * 86_400_000;
  const prune = () => void pruneLedger(db, retentionMs).then(
    (n) => n > 0 && log.info({ deleted: n }, "webhook ledger pruned"),
    (err: unknown) => log.warn({ err }, "webhook ledger prune failed"),
  );
  const pruner = setInterval(prune, 3_600_000);
  pruner.unref();
  shutdown.add("ledger-pruner", () => clearInterval(pruner));
  prune();
  consume({ stream: cfg.WEBHOOK_STREAM, consumer: cfg.WEBHOOK_CONSUMER, inFlight: cfg.WEBHOOK_INFLIGHT, handle });
  log.info({ stream: cfg.WEBHOOK_STREAM, consumer: cfg.WEBHOOK_CONSUMER }, "ready");
}

runMain(SERVICE, main);
