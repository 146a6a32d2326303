import { createKeyResolver } from "@wa/agents";
import type { Shutdown } from "@wa/observability";
import type { ToolDeps } from "../deps.js";
import { serveMcpHttp } from "./mcp-http.js";
import { createKeyRate } from "./rate.js";

/** Starts /mcp when MCP_HTTP_PORT > 0; on shutdown it stops accepting and drains in-flight requests first. */
export async function startMcpHttp(deps: ToolDeps, shutdown: Shutdown): Promise<number | null> {
  const { cfg, log } = deps;
  if (cfg.MCP_HTTP_PORT === 0) return null;
  const http = await serveMcpHttp({
    deps,
    keys: createKeyResolver({ db: deps.db, ttlMs: cfg.MCP_KEY_CACHE_MS }),
    rate: createKeyRate({ redis: deps.redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log }),
    port: cfg.MCP_HTTP_PORT,
    host: cfg.MCP_HTTP_HOST,
  });
  shutdown.add("mcp-http", http.close);
  log.info({ port: http.port, host: cfg.MCP_HTTP_HOST }, "ready on http /mcp");
  return http.port;
}
