import { fileURLToPath } from "node:url";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { loadConfigOrExit, mcpGatewayEnv, redactConfig } from "@wa/config";
import { pingDb } from "@wa/db";
import { createLogger, createMetrics, createShutdown, serveOps } from "@wa/observability";
import { clientConfigSnippet } from "./client-config.js";
import { createClients } from "./clients.js";
import { createGatewayServer } from "./server.js";
import { policiesLoaded, schemaIsCurrent, warnUnknownTools } from "./startup.js";
import { TOOLS } from "./tools/index.js";

// stdout carries the MCP protocol only: every log line goes to fd 2.
async function main(): Promise<void> {
  const cfg = loadConfigOrExit(mcpGatewayEnv, { service: "mcp-gateway" });
  const log = createLogger({ service: "mcp-gateway", level: cfg.LOG_LEVEL, destination: 2 });
  log.info({ config: redactConfig(cfg) }, "starting");
  const shutdown = createShutdown({ log, deadlineMs: cfg.SHUTDOWN_DEADLINE_MS });
  shutdown.onSignals();
  // A stray rejection in a client library must not end the agent's session; it is logged instead.
  process.on("unhandledRejection", (err) => log.error({ err }, "unhandled rejection"));
  if (process.stdin.isTTY) process.stderr.write(clientConfigSnippet(fileURLToPath(import.meta.url), cfg));

  const clients = createClients(cfg, log);
  for (const c of clients.closers) shutdown.add(c.name, c.close);
  const { deps } = clients;
  if (!(await schemaIsCurrent(deps, log)) || !(await policiesLoaded(deps, log))) {
    await Promise.allSettled(clients.closers.map((c) => c.close()));
    process.exit(1);
  }
  warnUnknownTools(cfg.DISABLED_TOOLS, TOOLS, log);

  if (cfg.OPS_PORT > 0) {
    const metrics = createMetrics({ service: "mcp-gateway" });
    const ready = async () => {
      const postgres = await pingDb(deps.db);
      const nats = deps.bus.js() !== null;
      return { ok: postgres, checks: { postgres, nats, redis: deps.redis.status === "ready" } };
    };
    shutdown.track("ops-http", await serveOps({ port: cfg.OPS_PORT, host: cfg.OPS_HOST, metrics, log, ready }));
  }

  const server = createGatewayServer(deps);
  const transport = new StdioServerTransport();
  shutdown.add("mcp", () => server.close());
  // The SDK's stdio transport ignores stdin EOF; a client that goes away must still end this process.
  process.stdin.once("end", () => void shutdown.run("stdin end"));
  process.stdin.once("close", () => void shutdown.run("stdin closed"));
  process.stdout.on("error", () => void shutdown.run("stdout closed")); // EPIPE: the client is gone
  await server.connect(transport);
  log.info({ tools: TOOLS.length, hidden: TOOLS.filter((t) => deps.exposure.hiddenBecause(t)).map((t) => t.name) }, "ready on stdio");
}

main().catch((err: unknown) => {
  process.stderr.write(`mcp-gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
