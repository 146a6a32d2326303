import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { LogLike } from "./logger.js";

export interface ReadyReport {
  ok: boolean;
  checks: Record<string, boolean | string>;
}

export interface OpsOptions {
  port: number; // 0 = any free port; the bound one is returned
  host?: string; // default 0.0.0.0
  metrics: { registry: Registry };
  ready?: () => Promise<ReadyReport>; // default: always ready
  log: LogLike;
  readyTimeoutMs?: number; // a check slower than this answers 503 (default 2000)
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** GET /health (alive), /ready (200 or 503 with checks), /metrics (Prometheus text) on node:http. */
export async function serveOps(opts: OpsOptions): Promise<OpsServer> {
  const handle = handler(opts);
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log.error({ err, path: req.url }, "ops request failed");
      if (!res.headersSent) send(res, 500, { status: "error" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ port }, "ops server listening");
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Prometheus keeps its scrape connection alive; without this close() waits for it to idle out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function handler(opts: OpsOptions) {
  const ready = opts.ready ?? (async () => ({ ok: true, checks: {} }));
  const timeoutMs = opts.readyTimeoutMs ?? 2000;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://ops").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { status: "method_not_allowed" });
    if (path === "/health") return send(res, 200, { status: "ok" });
    if (path === "/ready") {
      const report = await withTimeout(ready(), timeoutMs).catch((err: unknown): ReadyReport => {
        opts.log.warn({ err }, "readiness check failed");
        return { ok: false, checks: { ready: err instanceof Error ? err.message : "failed" } };
      });
      return send(res, report.ok ? 200 : 503, { status: report.ok ? "ok" : "unavailable", checks: report.checks });
    }
    if (path === "/metrics") {
      const body = await opts.metrics.registry.metrics();
      res.writeHead(200, { "content-type": opts.metrics.registry.contentType });
      res.end(body);
      return;
    }
    send(res, 404, { status: "not_found" });
  };
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
