import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { KeyResolver } from "@wa/agents";
import { type ToolDeps, forRemoteAgent } from "../deps.js";
import { createGatewayServer } from "../server.js";
import { readJsonBody } from "./body.js";
import type { KeyRate } from "./rate.js";
import { reject } from "./replies.js";

export interface McpHttpOptions {
  deps: ToolDeps;
  keys: KeyResolver;
  rate: KeyRate;
}

export interface McpHttp {
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, then closes the sockets left. */
  close(): Promise<void>;
}

const ENDPOINT = "/mcp";

/**
 * Streamable HTTP at /mcp, stateless: every POST carries its own key and gets a fresh MCP server and transport
 * (the SDK's stateless mode), so no session state lives in a replica and any replica can answer any request
 * behind a round-robin load balancer. GET (server-initiated SSE) and DELETE (sessions) are not served: 405.
 */
function createMcpHandler(opts: McpHttpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { deps } = opts;
  const cfg = deps.cfg;
  const origins = new Set(cfg.MCP_ALLOWED_ORIGINS);
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== ENDPOINT)
      return reject(res, 404, `Nothing is served at ${path}.`, `Send MCP requests to ${ENDPOINT}.`);
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      return reject(
        res,
        403,
        "This Origin is not allowed to call the gateway (DNS-rebinding protection).",
        "Call from a non-browser client, or ask the operator to add the Origin to MCP_ALLOWED_ORIGINS.",
      );
    }
    if (req.method !== "POST") {
      return reject(
        res,
        405,
        `${req.method} is not served: this endpoint is stateless (no SSE stream, no sessions).`,
        "Send every MCP request as a POST.",
        { allow: "POST" },
      );
    }
    const key = bearer(req.headers.authorization);
    let agent: Awaited<ReturnType<KeyResolver["resolve"]>> = null;
    try {
      agent = key === null ? null : await opts.keys.resolve(key);
    } catch (err) {
      deps.log.error({ err }, "mcp http: key lookup failed");
      return reject(
        res,
        503,
        "The gateway could not check the API key (Postgres did not answer).",
        "Try again shortly.",
        {
          "retry-after": "5",
        },
      );
    }
    if (agent === null) {
      return reject(
        res,
        401,
        key === null ? "An API key is required." : "The API key is unknown or revoked.",
        "Send Authorization: Bearer wak_… with a key from the console's Agents page or pnpm agent:create-key.",
        { "www-authenticate": 'Bearer realm="mcp"' },
      );
    }
    const perSec = agent.ratePerSec ?? cfg.MCP_RATE_LIMIT_PER_SEC;
    const taken = await opts.rate.take(agent.keyId ?? agent.name, perSec);
    if (!taken.ok) {
      const secs = Math.max(1, Math.ceil(taken.waitMs / 1000));
      return reject(
        res,
        429,
        `Rate limit: agent ${agent.name} may make ${perSec} requests per second.`,
        `Wait ${secs} s (Retry-After) and send fewer requests, or ask the operator for a higher rate_limit_per_sec.`,
        { "retry-after": String(secs) },
      );
    }
    const body = await readJsonBody(req, cfg.MCP_MAX_BODY_BYTES);
    if (!body.ok) {
      return body.status === 413
        ? reject(
            res,
            413,
            `The request body is larger than ${cfg.MCP_MAX_BODY_BYTES} bytes.`,
            "Send smaller requests (split a large batch).",
            { connection: "close" },
          )
        : reject(res, 400, "The request body is not JSON.", "Send a JSON-RPC message as application/json.");
    }
    const server = createGatewayServer(forRemoteAgent(deps, agent));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.once("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body.value);
  };
}

function bearer(header: string | undefined): string | null {
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1] ?? null;
}

/** Serves /mcp on MCP_HTTP_HOST:MCP_HTTP_PORT (a port of 0 picks a free one; tests use that). */
export async function serveMcpHttp(opts: McpHttpOptions & { port: number; host: string }): Promise<McpHttp> {
  const handle = createMcpHandler(opts);
  const server: HttpServer = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.deps.log.error({ err }, "mcp http: request failed");
      if (!res.headersSent) reject(res, 500, "The gateway failed on this request.", "Try again.");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, fail) => {
    server.once("error", fail);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
