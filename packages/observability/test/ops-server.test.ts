import { once } from "node:events";
import { Agent, request } from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, createMetrics, serveOps } from "../src/index.js";
import type { OpsServer, ReadyReport } from "../src/index.js";

const log = createLogger({ service: "ops-test", level: "silent" });
const metrics = createMetrics({ service: "ops-test", defaultMetrics: false });
const servers: OpsServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(ready?: () => Promise<ReadyReport>, readyTimeoutMs?: number): Promise<OpsServer> {
  const server = await serveOps({ port: 0, host: "127.0.0.1", metrics, log, ready, readyTimeoutMs });
  servers.push(server);
  return server;
}

function get(port: number, path: string, method = "GET") {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const countOf = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

describe("serveOps", () => {
  it("answers /health, /metrics, 404 and 405 over real HTTP on an ephemeral port", async () => {
    metrics.webhookRequests.inc({ outcome: "accepted" });
    const { port } = await start();
    expect(port).toBeGreaterThan(0);
    expect(await get(port, "/health")).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    const scrape = await get(port, "/metrics");
    expect(scrape.status).toBe(200);
    expect(scrape.type).toContain("text/plain");
    expect(scrape.body).toContain('wa_webhook_requests_total{outcome="accepted",service="ops-test"} 1');
    expect((await get(port, "/nope")).status).toBe(404);
    expect((await get(port, "/health", "POST")).status).toBe(405);
  });

  it("answers /ready with 200 or 503 and the checks", async () => {
    let report: ReadyReport = { ok: true, checks: { postgres: true, nats: true } };
    const { port } = await start(async () => report);
    const ok = await get(port, "/ready");
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ status: "ok", checks: { postgres: true, nats: true } });
    report = { ok: false, checks: { postgres: true, nats: "connection refused" } };
    const down = await get(port, "/ready");
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({
      status: "unavailable",
      checks: { postgres: true, nats: "connection refused" },
    });
  });

  it("answers 503 when the readiness check throws or hangs", async () => {
    const throwing = await start(async () => {
      throw new Error("redis ping failed");
    });
    const res = await get(throwing.port, "/ready");
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ status: "unavailable", checks: { ready: "redis ping failed" } });
    const hanging = await start(() => new Promise<ReadyReport>(() => {}), 20);
    expect((await get(hanging.port, "/ready")).status).toBe(503);
  });

  it("rejects when the port is taken", async () => {
    const { port } = await start();
    await expect(serveOps({ port, host: "127.0.0.1", metrics, log })).rejects.toThrow(/EADDRINUSE/);
  });

  it("leaves no server or socket behind after close(), even with a kept-alive client", async () => {
    const servers0 = countOf("TCPServerWrap");
    const server = await serveOps({ port: 0, host: "127.0.0.1", metrics, log });
    expect(countOf("TCPServerWrap")).toBe(servers0 + 1);
    const agent = new Agent({ keepAlive: true });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.port, path: "/health", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(sock));
      });
      let sock: Socket;
      req.on("socket", (s) => (sock = s));
      req.on("error", reject).end();
    });
    expect(socket.destroyed).toBe(false); // kept alive, pooled by the agent
    const socketClosed = once(socket, "close");
    await server.close();
    await server.close(); // idempotent
    await socketClosed; // the server hung up instead of waiting for the keep-alive timeout
    expect(countOf("TCPServerWrap")).toBeLessThanOrEqual(servers0);
    agent.destroy();
  });
});
