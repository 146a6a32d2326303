import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { loadConfig, mcpGatewayEnv } from "@wa/config";
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID, startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { startTemplateSync } from "@wa/compliance";
import { startDeliveryWorker, type DeliveryWorker } from "@wa/messaging";
import { createLogger } from "@wa/observability";
import { connectBus } from "@wa/bus";
import type { Db } from "@wa/db";
import type { StateStore } from "@wa/state";
import {
  busNames,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@wa/testkit";
import { createClients, type Clients } from "../src/clients.js";
import { createGatewayServer } from "../src/server.js";
import { templateSync } from "../src/template-sync.js";

interface Called {
  isError: boolean;
  structured: Record<string, unknown>;
  text: string;
  raw: CallToolResult;
}

export interface Gateway {
  client: Client;
  clients: Clients;
  call(name: string, args?: Record<string, unknown>): Promise<Called>;
  close(): Promise<void>;
}

export interface Env {
  db: TestDatabase;
  meta: RunningMockMeta;
  base: Record<string, string>;
  /** A gateway over an in-memory transport; `overrides` are env vars (e.g. READ_ONLY). */
  gateway(overrides?: Record<string, string>, now?: () => number): Promise<Gateway>;
  close(): Promise<void>;
}

export async function setupEnv(): Promise<Env> {
  const [db, meta] = await Promise.all([createTestDatabase(), startMockMeta({ port: 0, webhookDelayMs: 50 })]);
  const names = busNames();
  const base: Record<string, string> = {
    DATABASE_URL: db.url,
    DB_POOL_MAX: "4",
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix(),
    NATS_URL: TEST_NATS_URL,
    ...names,
    META_API_BASE_URL: meta.url,
    META_ACCESS_TOKEN: "mock-token",
    META_PHONE_NUMBER_ID: DEFAULT_PHONE_NUMBER_ID,
    META_WABA_ID: DEFAULT_WABA_ID,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
  };
  const open: Gateway[] = [];
  return {
    db,
    meta,
    base,
    gateway: async (overrides = {}, now = Date.now) => {
      const g = await startGateway({ ...base, ...overrides }, now);
      open.push(g);
      return g;
    },
    close: async () => {
      for (const g of open) await g.close();
      await meta.close();
      await db.drop();
      await dropGatewayStreams(names);
    },
  };
}

async function startGateway(env: Record<string, string>, now: () => number): Promise<Gateway> {
  const cfg = loadConfig(mcpGatewayEnv, env);
  const log = createLogger({ service: "mcp-gateway-test", level: cfg.LOG_LEVEL, destination: 2 });
  const clients = await createClients(cfg, log, now);
  await clients.busReady;
  await startTemplateSync(templateSync(clients.deps), { everyMs: 0 }, log).first; // as main() does at start
  const server = createGatewayServer(clients.deps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "gateway-test", version: "1.0.0" });
  await client.connect(clientSide);
  await client.listTools(); // caches output validators: error results are validated by the client too
  let closed = false;
  return {
    client,
    clients,
    call: async (name, args) => {
      const raw = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = raw.content.map((c) => (c.type === "text" ? c.text : "")).join("");
      return {
        isError: raw.isError === true,
        structured: (raw.structuredContent ?? {}) as Record<string, unknown>,
        text,
        raw,
      };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
      await server.close();
      for (const c of clients.closers.toReversed()) await c.close();
    },
  };
}

/** The gateway creates this file's streams on connect; remove them so NATS does not collect them. */
async function dropGatewayStreams(names: ReturnType<typeof busNames>): Promise<void> {
  const bus = await connectBus({ url: TEST_NATS_URL, name: "gateway-test-cleanup" }).catch(() => null);
  if (!bus) return;
  await dropStreams(bus.jsm, names);
  await bus.close();
}

/** A delivery worker in this process on these clients' services and settings (their NATS must be up). */
export function startDelivery(clients: Clients, concurrency = 4): DeliveryWorker {
  const js = clients.deps.bus.js();
  if (!js) throw new Error("NATS is not reachable");
  const cfg = clients.deps.cfg;
  return startDeliveryWorker({ ...clients.deps, js, names: cfg, concurrency, phoneNumberId: cfg.META_PHONE_NUMBER_ID });
}

/** The send tools' customers: IN_WINDOW wrote a minute ago and granted marketing and utility; COLD never wrote. */
export const IN_WINDOW = "+44 7700 900123";
export const IN_WINDOW_ID = "447700900123";
export const COLD = "447700900456";

/** A gateway whose templates are synced and whose IN_WINDOW customer is in the window with consent. */
export async function setupSendEnv(): Promise<{ env: Env; gw: Gateway; db: Db; state: StateStore }> {
  const env = await setupEnv();
  const gw = await env.gateway();
  const state = gw.clients.deps.state;
  await gw.call("list_templates", {});
  await state.recordInbound({ customerId: IN_WINDOW_ID }, Date.now() - 60_000);
  await state.setConsent(
    { customerId: IN_WINDOW_ID },
    { marketing: "granted", utility: "granted" },
    { source: "test" },
  );
  return { env, gw, db: gw.clients.deps.db, state };
}

/** Messages in this gateway's delivery stream: each send or retry publishes one. */
export async function outboundOnNats(gw: Gateway): Promise<number> {
  const js = gw.clients.deps.bus.js();
  if (!js) throw new Error("gateway has no NATS link");
  return (await (await js.streams.get(gw.clients.deps.cfg.DELIVERY_STREAM)).info()).state.messages;
}
