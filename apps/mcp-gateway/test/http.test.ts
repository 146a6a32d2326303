import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createAgentKey, createKeyResolver, revokeAgentKey, type AgentScopes } from "@wa/agents";
import { loadConfig, mcpGatewayEnv } from "@wa/config";
import { createLogger } from "@wa/observability";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients, type Clients } from "../src/clients.js";
import { serveMcpHttp, type McpHttp } from "../src/http/mcp-http.js";
import { createKeyRate } from "../src/http/rate.js";
import { TOOLS } from "../src/tools/index.js";
import { setupEnv, type Env } from "./harness.js";

// The Streamable HTTP endpoint with SDK clients against in-process gateways on real Postgres/Redis/NATS.
let env: Env;
const logs: string[] = [];
const running: Array<{ http: McpHttp; clients: Clients }> = [];
const proxies: Server[] = [];

async function replica(overrides: Record<string, string> = {}): Promise<McpHttp> {
  const cfg = loadConfig(mcpGatewayEnv, { ...env.base, LOG_LEVEL: "debug", ...overrides });
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString()), done()) });
  const log = createLogger({ service: "mcp-gateway-http-test", level: "debug", destination: sink });
  const clients = await createClients(cfg, log);
  await clients.busReady;
  const http = await serveMcpHttp({
    deps: clients.deps,
    keys: createKeyResolver({ db: clients.deps.db, ttlMs: cfg.MCP_KEY_CACHE_MS }),
    rate: createKeyRate({ redis: clients.deps.redis, keyPrefix: cfg.REDIS_KEY_PREFIX, log }),
    port: 0,
    host: "127.0.0.1",
  });
  running.push({ http, clients });
  return http;
}

async function newKey(name: string, scopes: AgentScopes = {}): Promise<string> {
  const db = running[0]?.clients.deps.db;
  if (!db) throw new Error("start a replica first");
  const r = await createAgentKey(db, { name, ...scopes }, "operator:test");
  if (!r.ok) throw new Error(r.message);
  return r.key;
}

async function connect(url: string, key: string | null): Promise<Client> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: "http-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function post(url: string, headers: Record<string, string>, body: string, method = "POST") {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: method === "POST" ? body : undefined,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const LIST = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });

let main: McpHttp;
let url: string;
beforeAll(async () => {
  env = await setupEnv();
  main = await replica({ MCP_ALLOWED_ORIGINS: "https://console.example" });
  url = `http://127.0.0.1:${main.port}/mcp`;
});
afterAll(async () => {
  for (const p of proxies) await new Promise((r) => p.close(r));
  for (const r of running) {
    await r.http.close();
    for (const c of r.clients.closers.toReversed()) await c.close();
  }
  await env?.close();
});

describe("MCP over Streamable HTTP", () => {
  it("lists and calls tools with a key; audit entries name the agent", async () => {
    const key = await newKey("helpdesk");
    const client = await connect(url, key);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).toSorted()).toEqual(TOOLS.map((t) => t.name).toSorted());
    const r = (await client.callTool({
      name: "tag_customer",
      arguments: { customer_id: "+15550001111", add: ["vip"] },
    })) as CallToolResult;
    expect(r.isError, JSON.stringify(r.structuredContent)).toBeFalsy();
    const audit = await running[0]!.clients.deps.db
      .selectFrom("audit_logs")
      .select(["actor"])
      .where("action", "like", "customer.%")
      .execute();
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.every((a) => a.actor === "agent:helpdesk")).toBe(true);
    const metrics = await running[0]!.clients.deps.metrics.registry.metrics();
    expect(metrics).toMatch(/wa_mcp_tool_calls_total\{[^}]*tool="tag_customer",agent="helpdesk",outcome="ok"[^}]*\} 1/);
    await client.close();
  });

  it("answers 401 for a missing, wrong or revoked key", async () => {
    await expect(connect(url, null)).rejects.toThrow(/401|API key is required/);
    await expect(connect(url, `wak_${"x".repeat(43)}`)).rejects.toThrow(/unknown or revoked/);
    const key = await newKey("short-lived");
    const ok = await post(url, { authorization: `Bearer ${key}` }, LIST);
    expect(ok.status).toBe(200);
    const db = running[0]!.clients.deps.db;
    const row = await db
      .selectFrom("agent_keys")
      .select("id")
      .where("name", "=", "short-lived")
      .executeTakeFirstOrThrow();
    expect(await revokeAgentKey(db, row.id, "operator:test")).toBe(true);
    // The lookup is cached for MCP_KEY_CACHE_MS (5 s); a replica that never saw the key refuses at once.
    const fresh = await replica();
    const r = await post(`http://127.0.0.1:${fresh.port}/mcp`, { authorization: `Bearer ${key}` }, LIST);
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(JSON.parse(r.text)).toMatchObject({ error: { message: "The API key is unknown or revoked." } });
  });

  it("refuses a tool outside the key's scope with SCOPE_DENIED naming the scope, and hides it from tools/list", async () => {
    const reader = await connect(url, await newKey("reader", { read_only: true }));
    const listed = (await reader.listTools()).tools.map((t) => t.name);
    expect(listed).toContain("check_compliance");
    expect(listed).not.toContain("send_message");
    const r = (await reader.callTool({
      name: "tag_customer",
      arguments: { customer_id: "+15550001111", add: ["x"] },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ reason_code: "SCOPE_DENIED", details: { scope: "read_only" } });
    await reader.close();
    const narrow = await connect(url, await newKey("narrow", { allowed_tools: ["explain_error"] }));
    const n = (await narrow.callTool({
      name: "check_compliance",
      arguments: { to: "+15550001111", category: "utility" },
    })) as CallToolResult;
    expect(n.structuredContent).toMatchObject({
      reason_code: "SCOPE_DENIED",
      details: { scope: "tools:check_compliance" },
    });
    expect(String(n.structuredContent?.suggested_action)).toMatch(/key/);
    await narrow.close();
  });

  it("checks number, template category and the agent's daily marketing limit before the tool runs", async () => {
    await running[0]!.clients.deps.db
      .insertInto("templates")
      .values({ name: "spring_sale", locale: "en", category: "marketing", status: "APPROVED", components: "[]" })
      .execute();
    const send = { to: "+15550001111", template_name: "spring_sale", locale: "en" };
    const scopeOf = async (scopes: AgentScopes, name: string, args: Record<string, unknown>) => {
      const c = await connect(
        url,
        await newKey(`scoped-${running.length}-${Math.random().toString(36).slice(2, 8)}`, scopes),
      );
      const r = (await c.callTool({ name, arguments: args })) as CallToolResult;
      await c.close();
      expect(r.structuredContent).toMatchObject({ reason_code: "SCOPE_DENIED" });
      return (r.structuredContent as { details: { scope: string } }).details.scope;
    };
    const number = env.base.META_PHONE_NUMBER_ID;
    expect(await scopeOf({ allowed_numbers: ["999"] }, "send_template", send)).toBe(`numbers:${number}`);
    expect(await scopeOf({ allowed_categories: ["utility"] }, "send_template", send)).toBe("categories:marketing");
    expect(await scopeOf({ marketing_daily_limit: 0 }, "send_template", send)).toBe("marketing_daily_limit");
  });

  it("never reads the gateway's files for a remote agent (upload_media path is stdio only)", async () => {
    const c = await connect(url, await newKey("uploader"));
    const r = (await c.callTool({ name: "upload_media", arguments: { path: "x.jpg" } })) as CallToolResult;
    await c.close();
    expect(r.structuredContent).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    expect(String(r.structuredContent?.human_explanation)).toMatch(/stdio/);
  });

  it("refuses a foreign Origin (403), an allowed one passes; GET/DELETE get 405, a large body 413", async () => {
    const key = await newKey("origins");
    const auth = { authorization: `Bearer ${key}` };
    const foreign = await post(url, { ...auth, origin: "https://evil.example" }, LIST);
    expect(foreign.status).toBe(403);
    expect(foreign.text).toMatch(/Origin is not allowed/);
    expect((await post(url, { ...auth, origin: "https://console.example" }, LIST)).status).toBe(200);
    const get = await post(url, auth, "", "GET");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await post(url, auth, "", "DELETE")).status).toBe(405);
    const big = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { pad: "x".repeat(1_100_000) } });
    const tooLarge = await post(url, auth, big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.text).toMatch(/larger than 1048576 bytes/);
  });

  it("answers a key over its rate with 429, Retry-After and a clear error", async () => {
    const key = await newKey("chatty", { rate_limit_per_sec: 2 });
    const auth = { authorization: `Bearer ${key}` };
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 6; i++) {
      const r = await post(url, auth, LIST);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses).toContain(429);
    expect(statuses[0]).toBe(200);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(limited?.text ?? "{}")).toMatchObject({
      jsonrpc: "2.0",
      error: { message: "Rate limit: agent chatty may make 2 requests per second." },
    });
  });

  it("serves one client through two replicas behind a round-robin proxy", async () => {
    const second = await replica();
    const ports = [main.port, second.port];
    const hits = [0, 0];
    let next = 0;
    const proxy = createServer((req, res) => {
      const i = next++ % 2;
      hits[i]!++;
      const up = httpRequest(
        { host: "127.0.0.1", port: ports[i], path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    proxies.push(proxy);
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const client = await connect(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`, await newKey("lb"));
    for (let i = 0; i < 4; i++) {
      const r = (await client.callTool({ name: "explain_error", arguments: { code: 131047 } })) as CallToolResult;
      expect(r.isError).toBeFalsy();
    }
    expect((await client.listTools()).tools.length).toBe(TOOLS.length);
    expect(hits[0]).toBeGreaterThan(1);
    expect(hits[1]).toBeGreaterThan(1);
    await client.close();
  });

  it("names the stdio agent from AGENT_NAME in audit entries", async () => {
    const gw = await env.gateway({ AGENT_NAME: "desk-bot" });
    const r = await gw.call("tag_customer", { customer_id: "+15550002222", add: ["stdio"] });
    expect(r.isError).toBe(false);
    const audit = await gw.clients.deps.db
      .selectFrom("audit_logs")
      .select("actor")
      .where("subject_id", "=", "15550002222")
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe("agent:desk-bot");
  });

  it("a key's needs-approval scope feeds the approval gate: its marketing sends wait for an operator", async () => {
    await newKey("careful-bot", { approval_actions: ["marketing"] });
    const gw = await env.gateway({ AGENT_NAME: "careful-bot" });
    await gw.clients.deps.state.setConsent(
      { customerId: "6281100003333" },
      { marketing: "granted" },
      { source: "test" },
    );
    const r = await gw.call("send_template", {
      to: "+6281100003333",
      template_name: "welcome_offer",
      variables: ["Ana"],
    });
    expect(r.structured).toMatchObject({ status: "pending_approval", message_id: null });
    const plain = await env.gateway({ AGENT_NAME: "other-bot" });
    const q = await plain.call("send_template", {
      to: "+6281100003333",
      template_name: "welcome_offer",
      variables: ["Ana"],
    });
    expect(q.structured).toMatchObject({ status: "queued" });
  });

  it("writes no key into any log line", async () => {
    const keys = await running[0]!.clients.deps.db.selectFrom("agent_keys").select("prefix").execute();
    expect(logs.length).toBeGreaterThan(0);
    const all = logs.join("");
    expect(all).not.toMatch(/wak_[A-Za-z0-9_-]{20,}/);
    for (const k of keys) expect(all).not.toContain(k.prefix);
  });
});
