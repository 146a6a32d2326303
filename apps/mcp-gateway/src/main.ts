import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { AccountsError } from "@wa/accounts";
import { startTemplateSync } from "@wa/compliance";
import { loadConfigOrExit, mcpGatewayEnv, redactConfig, withEnvFiles } from "@wa/config";
import { pingDb } from "@wa/db";
import { createLogger, createShutdown, serveOps } from "@wa/observability";
import { clientConfigSnippet } from "./client-config.js";
import { createClients } from "./clients.js";
import { startMcpHttp } from "./http/start.js";
import { createGatewayServer } from "./server.js";
import { policiesLoaded, rateCardLoaded, schemaIsCurrent, warnUnknownTools } from "./startup.js";
import { TOOLS } from "./tools/index.js";
import { templateSync } from "./template-sync.js";

// The repository's .env, wherever the MCP client starts us from (dist/main.js → apps/mcp-gateway → root).
const REPO_ENV_FILE = fileURLToPath(new URL("../../../.env", import.meta.url));

// stdout carries the MCP protocol only: every log line goes to fd 2.
async function main(): Promise<void> {
  // An MCP client passes only the env of its config entry: `.env` in the working directory, then the
  // repository's, fill in what it does not set (README "Where the settings come from").
  const env = withEnvFiles([resolve(".env"), REPO_ENV_FILE]);
  const cfg = loadConfigOrExit(mcpGatewayEnv, { service: "mcp-gateway", source: env.source });
  const log = createLogger({ service: "mcp-gateway", level: cfg.LOG_LEVEL, destination: 2 });
  log.info({ config: redactConfig(cfg), env_files: env.read }, "starting");
  let failed = false; // the session ended by a fault, not by the client: exit non-zero
  const shutdown = createShutdown({
    log,
    deadlineMs: cfg.SHUTDOWN_DEADLINE_MS,
    exit: (code) => process.exit(failed ? 1 : code),
  });
  shutdown.onSignals();
  // A stray rejection in a client library must not end the agent's session; it is logged instead.
  process.on("unhandledRejection", (err) => log.error({ err }, "unhandled rejection"));
  if (process.stdin.isTTY) process.stderr.write(clientConfigSnippet(fileURLToPath(import.meta.url), cfg));

  const clients = await createClients(cfg, log).catch((err: unknown) => {
    if (!(err instanceof AccountsError)) throw err;
    log.fatal({ file: cfg.ACCOUNTS_FILE, problem: err.message }, "accounts file is invalid");
    process.exit(1);
  });
  for (const c of clients.closers) shutdown.add(c.name, c.close);
  const { deps } = clients;
  if (!rateCardLoaded(deps, log) || !(await schemaIsCurrent(deps, log)) || !(await policiesLoaded(deps, log))) {
    await Promise.allSettled(clients.closers.map((c) => c.close()));
    process.exit(1);
  }
  warnUnknownTools(cfg.DISABLED_TOOLS, TOOLS, log);
  // Once at start (every WABA, each with its token) so an agent's first list_templates is current; the scheduler
  // keeps it current afterwards.
  const templates = startTemplateSync(templateSync(deps), { everyMs: 0 }, log);
  shutdown.add("template-sync", templates.stop);

  if (cfg.OPS_PORT > 0) {
    const ready = async () => {
      const postgres = await pingDb(deps.db);
      const nats = deps.bus.js() !== null;
      return { ok: postgres, checks: { postgres, nats, redis: deps.redis.status === "ready" } };
    };
    // Metrics must not cost an agent its session: a taken port is logged, the tools still serve.
    await serveOps({ port: cfg.OPS_PORT, host: cfg.OPS_HOST, metrics: deps.metrics, log, ready }).then(
      (ops) => shutdown.track("ops-http", ops),
      (err: unknown) =>
        log.error({ err, port: cfg.OPS_PORT }, "ops server not started; this gateway's metrics cannot be scraped"),
    );
  }

  const httpPort = await startMcpHttp(deps, shutdown);
  const server = createGatewayServer(deps);
  const transport = new StdioServerTransport();
  let stopping = false;
  shutdown.add("mcp", () => {
    stopping = true;
    return server.close();
  });
  // The SDK's stdio transport ignores stdin EOF; a client that goes away must still end this process, unless
  // /mcp serves (in a container stdin is empty from the start): then only stdio ends.
  const stdioGone = (why: string) => {
    if (httpPort === null) return void shutdown.run(why);
    stopping = true;
    void server.close();
  };
  process.stdin.once("end", () => stdioGone("stdin end"));
  process.stdin.once("close", () => stdioGone("stdin closed"));
  process.stdout.on("error", () => stdioGone("stdout closed")); // EPIPE: the client is gone
  let lastError: unknown;
  // The SDK exposes callback properties, not an EventTarget.
  // oxlint-disable-next-line unicorn/prefer-add-event-listener
  server.onerror = (err) => {
    lastError = err;
    log.warn({ err }, "stdio: unreadable message");
  };
  // The transport closes itself on a message above its 10 MiB buffer and never reads again: a process left
  // alive would hold its connections and time out every later call, so it ends and the client can restart it.
  // oxlint-disable-next-line unicorn/prefer-add-event-listener
  server.onclose = () => {
    if (stopping) return;
    failed = true;
    const reason = lastError instanceof Error ? lastError.message : "closed";
    log.error({ reason }, `stdio transport closed (${reason}); exiting`);
    void shutdown.run("stdio transport closed");
  };
  await server.connect(transport);
  log.info(
    { tools: TOOLS.length, hidden: TOOLS.filter((t) => deps.exposure.hiddenBecause(t)).map((t) => t.name) },
    "ready on stdio",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`mcp-gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
