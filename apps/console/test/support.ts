import { once } from "node:events";
import { createCompliance } from "@wa/compliance";
import { createDb, type Db } from "@wa/db";
import { createMessaging } from "@wa/messaging";
import { createOperator, type Operator } from "@wa/operators";
import { createRedis } from "@wa/ratelimit";
import { createStateStore } from "@wa/state";
import { busNames, clearRedisPrefix, redisPrefix, TEST_REDIS_URL, uniqueId, useTestDatabase } from "@wa/testkit";
import { createWebhookProcessor } from "@wa/webhooks";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { pino } from "pino";
import { createConsoleApp } from "../src/app.js";
import type { ConsoleDeps } from "../src/deps.js";

export const PHONE_NUMBER_ID = "100000000000001";
export const WABA_ID = "200000000000001";
export const PASSWORD = "correct horse battery";

export interface ConsoleEnv {
  readonly db: Db;
  readonly redis: Redis;
  readonly app: ReturnType<typeof createConsoleApp>;
  readonly deps: ConsoleDeps;
}

/** A console app on this file's own database and Redis prefix (no NATS: resume leaves the trigger to the sweeper). */
export function useConsole(): ConsoleEnv & { pinNow(at: number | null): void } {
  const database = useTestDatabase();
  const prefix = redisPrefix();
  let env: ConsoleEnv | undefined;
  let pinned: number | null = null; // pinNow: "today" (UTC) stays one day while a test reads it twice
  beforeAll(async () => {
    const db = createDb(database.url, { max: 8 });
    const redis = createRedis(TEST_REDIS_URL);
    if (redis.status !== "ready") await once(redis, "ready");
    const log = pino({ level: "silent" });
    const state = createStateStore({ db, redis, keyPrefix: prefix, log });
    const processor = createWebhookProcessor({ db, redis, keyPrefix: prefix, log });
    const deps: ConsoleDeps = {
      cfg: { CONSOLE_COOKIE_SECURE: false, CONSOLE_SESSION_HOURS: 12 },
      db,
      log,
      now: () => pinned ?? Date.now(),
      state,
      campaigns: { db, log },
      // No NATS here: an approved send stays queued for the reconciler (approvals-browser.test.ts has a bus).
      send: createMessaging({
        db,
        state,
        compliance: createCompliance({ db, state }),
        js: null,
        names: busNames(),
        log,
      }).enqueueOutbound,
      processBody: (body) => processor.processBody(body),
      login: { sessionTtlMs: 3_600_000, maxFailures: 5, lockMs: 30_000 },
      queueDepth: async () => null,
      syncTemplates: null, // no Meta credentials, as by default; templates.test.ts gives its own app one
    };
    env = { db, redis, deps, app: createConsoleApp(deps) };
  });
  afterAll(async () => {
    if (!env) return;
    await clearRedisPrefix(env.redis, prefix);
    await env.redis.quit();
    await env.db.destroy();
  });
  return {
    get db() {
      return need().db;
    },
    get redis() {
      return need().redis;
    },
    get app() {
      return need().app;
    },
    get deps() {
      return need().deps;
    },
    /** Stops the console's clock at `at` (null: the real clock again), e.g. across 00:00 UTC. */
    pinNow(at: number | null) {
      pinned = at;
    },
  };
  function need(): ConsoleEnv {
    if (!env) throw new Error("useConsole(): use inside a test");
    return env;
  }
}

export async function newOperator(db: Db, role: Operator["role"], name?: string): Promise<Operator> {
  const r = await createOperator(
    db,
    {
      name:
        name ??
        uniqueId(role)
          .toLowerCase()
          .replace(/[^a-z0-9]/g, "")
          .slice(0, 30),
      role,
      password: PASSWORD,
    },
    "system",
  );
  if (!r.ok) throw new Error(r.message);
  return r.operator;
}

/** Logs in through the form; returns the cookie header and the page's CSRF token. */
export async function logIn(
  app: ConsoleEnv["app"],
  name: string,
  password = PASSWORD,
): Promise<{ cookie: string; csrf: string }> {
  const res = await app.request("/login", { method: "POST", body: new URLSearchParams({ name, password }) });
  if (res.status !== 303) throw new Error(`login answered ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  const page = await (await app.request("/", { headers: { cookie } })).text();
  const csrf = /X-CSRF-Token&quot;:&quot;([^&]+)&quot;|"X-CSRF-Token":"([^"]+)"/.exec(page);
  const token = csrf?.[1] ?? csrf?.[2];
  if (!token) throw new Error("no CSRF token on the page");
  return { cookie, csrf: token };
}

export async function runningCampaign(
  db: Db,
  shown: { name?: string; audience?: number; sent?: number; delivered?: number } = {},
): Promise<string> {
  const row = await db
    .insertInto("campaigns")
    .values({
      name: shown.name ?? uniqueId("camp"),
      type: "marketing",
      template_name: "promo",
      variables: null,
      audience_filter: '{"include_tags":["vip"]}',
      status: "running",
      scheduled_at: new Date(),
      started_at: new Date(),
      audience_count: shown.audience ?? 0,
      enqueued_count: shown.sent ?? 0,
      sent_count: shown.sent ?? 0,
      delivered_count: shown.delivered ?? 0,
      skipped_by_reason: JSON.stringify(shown.audience ? { NO_OPT_IN: 37, FREQUENCY_CAP_EXCEEDED: 12 } : {}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
