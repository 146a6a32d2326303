import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { createCompliance } from "@wa/compliance";
import { createDb, type Db } from "@wa/db";
import { createMessaging, type Messaging } from "@wa/messaging";
import { startMockMeta } from "@wa/mock-meta";
import { createRedis } from "@wa/ratelimit";
import { seedDemo } from "@wa/seed";
import { createStateStore } from "@wa/state";
import {
  busNames,
  clearRedisPrefix,
  createTestDatabase,
  dropStreams,
  freePort,
  hostPort,
  redisPrefix,
  startTcpProxy,
  type TcpProxy,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
  waitForHttp,
} from "@wa/testkit";
import type { Redis } from "ioredis";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ENTRY = {
  "delivery-worker": "apps/delivery-worker/dist/main.js",
  "webhook-receiver": "apps/webhook-receiver/dist/main.js",
  "webhook-processor": "apps/webhook-processor/dist/main.js",
  scheduler: "apps/scheduler/dist/main.js",
  "campaign-worker": "apps/campaign-worker/dist/main.js",
  "mcp-gateway": "apps/mcp-gateway/dist/main.js", // with MCP_HTTP_PORT: /mcp; its stdin is empty, so stdio ends
} as const;
type AppName = keyof typeof ENTRY;

export interface RunningApp {
  readonly name: AppName;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Stack {
  readonly db: Db; // direct connection: the test's own view, never cut
  readonly databaseUrl: string; // the database itself, e.g. for a proxy that cuts one app's Postgres only
  readonly messaging: Messaging; // the send path as the gateway runs it (through the NATS proxy)
  readonly proxies: { readonly postgres: TcpProxy; readonly redis: TcpProxy; readonly nats: TcpProxy };
  readonly mockUrl: string;
  /** The receiver's base URL (POST /webhook) and the app secret that signs bodies for it. */
  readonly receiverUrl: string;
  readonly appSecret: string;
  /** The test database as the apps reach it (through the Postgres proxy); chain another proxy to cut one app. */
  readonly appDatabaseUrl: string;
  readonly secrets: readonly string[];
  /** Adds a value no log line may contain (e.g. an agent key created by the test). */
  addSecret(value: string): void;
  /** Every line any app printed so far (stdout and stderr). */
  readonly lines: string[];
  start(app: AppName, env?: Record<string, string>): Promise<RunningApp>;
  /** Apps that exited without being told to (an outage must degrade them, never kill them). */
  crashed(): string[];
  mock<T>(path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

/**
 * One isolated copy of the whole system for a chaos test file: its own database, Redis prefix, streams,
 * mock-meta with distinctive secrets, and TCP proxies in front of Postgres, Redis and NATS so one outage can be
 * staged without touching the shared servers. Apps are the real built processes (`node dist/…`).
 */
export async function startStack(): Promise<Stack> {
  const database: TestDatabase = await createTestDatabase();
  const names = busNames();
  const prefix = redisPrefix();
  const token = `chaos-token-${randomBytes(8).toString("hex")}`;
  const appSecret = `chaos-secret-${randomBytes(8).toString("hex")}`;
  const proxies = {
    postgres: await startTcpProxy(hostPort(database.url)),
    redis: await startTcpProxy(hostPort(TEST_REDIS_URL)),
    nats: await startTcpProxy(hostPort(TEST_NATS_URL)),
  };
  const receiverPort = await freePort();
  const mock = await startMockMeta({
    port: 0,
    accessToken: token,
    appSecret,
    webhookTargetUrl: `http://127.0.0.1:${receiverPort}/webhook`,
    knobs: {
      triggers: false,
      webhook_delays_ms: { sent: 30, delivered: 60, read: 90 },
      webhook_retry_delays_ms: [200, 500, 1000, 2000, 4000, 8000],
    },
  } as never);

  await seedDemo({
    databaseUrl: database.url,
    policiesFile: `${ROOT}policies.yaml`,
    demo: JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(`${ROOT}infra/seed/demo.json`, "utf8"))),
  });
  const db = createDb(database.url, { max: 5, applicationName: "chaos-test" });
  const redis: Redis = createRedis(TEST_REDIS_URL);
  const bus: Bus = await connectBus({ url: proxies.nats.url(TEST_NATS_URL), name: "chaos-test" });
  await ensureTopology(bus.jsm, names);
  const state = createStateStore({ db, redis, keyPrefix: prefix });
  const compliance = createCompliance({ db, state });
  const messaging = createMessaging({ db, state, compliance, js: bus.js, names, log: silent, publishTimeoutMs: 500 });

  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    DATABASE_URL: proxies.postgres.url(database.url),
    REDIS_URL: proxies.redis.url(TEST_REDIS_URL),
    NATS_URL: proxies.nats.url(TEST_NATS_URL),
    REDIS_KEY_PREFIX: prefix,
    ...names,
    META_API_BASE_URL: mock.url,
    META_ACCESS_TOKEN: token,
    META_APP_SECRET: appSecret,
    META_PHONE_NUMBER_ID: "100000000000001",
    META_WABA_ID: "200000000000001",
    META_TIMEOUT_MS: "3000",
    WEBHOOK_VERIFY_TOKEN: `chaos-verify-${randomBytes(4).toString("hex")}`,
    POLICIES_FILE: `${ROOT}policies.yaml`,
    LOG_LEVEL: "info",
    SHUTDOWN_DEADLINE_MS: "5000",
    DB_POOL_MAX: "5",
  };
  const lines: string[] = [];
  const secrets = [token, appSecret];
  const apps: RunningApp[] = [];
  const stopped = new Set<ChildProcess>();

  async function start(app: AppName, env: Record<string, string> = {}): Promise<RunningApp> {
    const opsPort = app === "webhook-receiver" ? receiverPort : await freePort();
    const portEnv =
      app === "webhook-receiver"
        ? { PORT: String(receiverPort), HOST: "127.0.0.1" }
        : { OPS_PORT: String(opsPort), OPS_HOST: "127.0.0.1" };
    const child = spawn(process.execPath, [`${ROOT}${ENTRY[app]}`], {
      env: { ...baseEnv, ...portEnv, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = "";
      stream?.on("data", (chunk: Buffer) => {
        const parts = (rest + chunk.toString("utf8")).split("\n");
        rest = parts.pop() ?? "";
        for (const line of parts) lines.push(`${app}: ${line}`);
      });
    }
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const running: RunningApp = {
      name: app,
      child,
      exited,
      async kill(signal: NodeJS.Signals = "SIGTERM") {
        stopped.add(child);
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      },
    };
    apps.push(running);
    const path = app === "webhook-receiver" ? "/health" : "/ready";
    await waitForHttp(`http://127.0.0.1:${opsPort}${path}`, child, { timeoutMs: 20_000 });
    return running;
  }

  return {
    db,
    databaseUrl: database.url,
    messaging,
    proxies,
    mockUrl: mock.url,
    receiverUrl: `http://127.0.0.1:${receiverPort}`,
    appSecret,
    appDatabaseUrl: baseEnv.DATABASE_URL!,
    secrets,
    addSecret: (value) => void secrets.push(value),
    lines,
    start,
    crashed: () =>
      apps
        .filter((a) => !stopped.has(a.child) && (a.child.exitCode !== null || a.child.signalCode !== null))
        .map((a) => `${a.name} (pid ${a.child.pid}, exit ${a.child.exitCode ?? a.child.signalCode})`),
    async mock<T>(path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${mock.url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as T;
    },
    async close() {
      for (const p of Object.values(proxies)) p.restore();
      await Promise.all(apps.map((a) => a.kill("SIGKILL")));
      await bus.close().catch(() => {});
      const jsm = await connectBus({ url: TEST_NATS_URL, name: "chaos-cleanup" });
      await dropStreams(jsm.jsm, names);
      await jsm.close();
      await clearRedisPrefix(redis, prefix);
      await redis.quit().catch(() => redis.disconnect());
      await db.destroy();
      await mock.close();
      await Promise.all(Object.values(proxies).map((p) => p.close()));
      await database.drop();
    },
  };
}
