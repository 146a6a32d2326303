import { appSecretsByWaba } from "@wa/accounts";
import { checkTopology } from "@wa/bus";
import { webhookReceiverEnv, loadConfigOrExit, redactConfig, redactUrl } from "@wa/config";
import { createDb, permanentDbError, pingDb } from "@wa/db";
import { sql } from "kysely";
import { createLogger, createMetrics, createShutdown, logProcessWarnings, serveOps } from "@wa/observability";
import { storeInInbox } from "@wa/webhooks";
import { createReceiverApp } from "./app.js";
import { createBusLink } from "./bus-link.js";
import { serveReceiver } from "./server.js";

const SERVICE = "webhook-receiver";

async function main(): Promise<void> {
  const cfg = loadConfigOrExit(webhookReceiverEnv, { service: SERVICE });
  const log = createLogger({ service: SERVICE, level: cfg.LOG_LEVEL });
  logProcessWarnings(log);
  log.info({ config: redactConfig(cfg) }, "starting");
  // accounts.yaml: each WABA's app secret, read without the database (Postgres may be down at start); no file:
  // META_APP_SECRET alone, as before. An invalid file or a missing secret stops the start, naming it.
  const appSecrets = appSecretsByWaba({ file: cfg.ACCOUNTS_FILE });
  if (appSecrets) log.info({ wabas: appSecrets.size }, "accounts: app secrets per WABA");
  const metrics = createMetrics({ service: SERVICE });
  const shutdown = createShutdown({ log, deadlineMs: cfg.SHUTDOWN_DEADLINE_MS });
  shutdown.onSignals();

  const db = createDb(cfg.DATABASE_URL, { max: cfg.DB_POOL_MAX, applicationName: SERVICE });
  shutdown.add("postgres", () => db.destroy());
  // Postgres down is fine at start (NATS takes the bodies); a wrong database, role or password never heals.
  const dbProblem = await sql`SELECT 1`.execute(db).then(
    () => null,
    (err: unknown) => permanentDbError(err),
  );
  if (dbProblem) throw new Error(`postgres refused ${redactUrl(cfg.DATABASE_URL)}: ${dbProblem}; fix DATABASE_URL`);
  // NATS may be down at start: the link keeps trying and the inbox takes the bodies meanwhile.
  const link = createBusLink({
    url: cfg.NATS_URL,
    name: SERVICE,
    names: cfg,
    log,
    timeoutMs: cfg.WEBHOOK_PUBLISH_TIMEOUT_MS,
  });
  shutdown.add("nats", () => link.close());

  const ready = async () => {
    const postgres = await pingDb(db);
    const b = link.bus();
    const nats =
      link.up() &&
      b !== null &&
      (await checkTopology(b.jsm, cfg).then(
        (p) => p.length === 0,
        () => false,
      ));
    // Ready while a webhook can be kept: NATS, or the Postgres inbox when NATS is down (checks show which).
    return { ok: postgres || nats, checks: { postgres, nats } };
  };
  const app = createReceiverApp({
    appSecret: cfg.META_APP_SECRET,
    appSecretsByWaba: appSecrets,
    verifyToken: cfg.WEBHOOK_VERIFY_TOKEN,
    bodyLimitBytes: cfg.BODY_LIMIT_BYTES,
    bufferBytes: cfg.WEBHOOK_BUFFER_BYTES,
    publish: link.publish,
    natsUp: link.up,
    store: (body, at) => storeInInbox(db, body, at),
    ready,
    metrics,
    log,
  });
  if (cfg.OPS_PORT > 0) {
    shutdown.track(
      "ops-http",
      await serveOps({ port: cfg.OPS_PORT, host: cfg.OPS_HOST, metrics, log, ready: async () => ready() }),
    );
  }
  const { server, port } = await serveReceiver(app.fetch, cfg.PORT, cfg.HOST);
  shutdown.add("http", () => new Promise<void>((resolve) => server.close(() => resolve())));
  log.info({ port }, "ready");
}

main().catch((err: unknown) => {
  process.stderr.write(`${SERVICE}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
