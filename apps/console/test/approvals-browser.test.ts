// Human approval end to end in a real headless Chromium: an agent's campaign over the audience threshold waits
// (require_approval), an operator approves it on /approvals with a reason, and it runs to completed through the
// built campaign worker and delivery worker against mock-meta; a second one is rejected and the agent's view
// (getApproval, what get_approval answers) carries the operator's reason.
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { campaignTriggerPublisher, requestCampaign } from "@wa/campaigns";
import { createCompliance } from "@wa/compliance";
import { createDb, type Db } from "@wa/db";
import { createApprovalGate, createMessaging, getApproval, type ApprovalGate } from "@wa/messaging";
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID, startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createRedis } from "@wa/ratelimit";
import { createStateStore } from "@wa/state";
import {
  busNames,
  clearRedisPrefix,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  spawnApp,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  waitFor,
  type SpawnedApp,
  type TestDatabase,
} from "@wa/testkit";
import type { Redis } from "ioredis";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleApp } from "../src/app.js";
import { newOperator, PASSWORD } from "./support.js";

const CAMPAIGN_WORKER = fileURLToPath(new URL("../../campaign-worker/dist/main.js", import.meta.url));
const DELIVERY_WORKER = fileURLToPath(new URL("../../delivery-worker/dist/main.js", import.meta.url));
const names = busNames();
const prefix = redisPrefix();
const FANS = ["447700900401", "447700900402", "447700900403", "447700900404"];

let tdb: TestDatabase;
let db: Db;
let redis: Redis;
let bus: Bus;
let meta: RunningMockMeta;
let gate: ApprovalGate;
let server: ReturnType<typeof serve>;
let base = "";
let userDir = "";
let context: BrowserContext;
let page: Page;
let operatorName = "";
const workers: SpawnedApp[] = [];

function workerEnv(): Record<string, string> {
  return {
    ...names,
    DATABASE_URL: tdb.url,
    DB_POOL_MAX: "4",
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    NATS_URL: TEST_NATS_URL,
    META_API_BASE_URL: meta.url,
    META_ACCESS_TOKEN: "mock-token",
    META_PHONE_NUMBER_ID: DEFAULT_PHONE_NUMBER_ID,
    META_WABA_ID: DEFAULT_WABA_ID,
    OPS_PORT: "0",
    LOG_LEVEL: "warn",
    CAMPAIGN_SWEEP_MS: "200",
    MESSAGING_LIMIT_TIER: "TIER_UNLIMITED",
    THROUGHPUT_MPS: "1000",
    SHUTDOWN_DEADLINE_MS: "5000",
  };
}

/** What schedule_campaign does for an agent named sales-bot (the gateway's requestCampaign with its gate). */
const agentCampaign = (name: string) =>
  requestCampaign(
    { db, approvals: gate },
    {
      name,
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["friend"],
      audience_filter: { include_tags: ["fans"] },
      deliver_at: new Date().toISOString(),
    },
    { actor: "agent:sales-bot" },
  );

async function seed(): Promise<void> {
  await db
    .insertInto("templates")
    .values({
      name: "welcome_offer",
      locale: "en",
      category: "marketing",
      status: "APPROVED",
      parameter_count: 1,
      body_text: "Hi {{1}}, enjoy 10% off your first order.",
      components: "[]",
    })
    .execute();
  await db
    .insertInto("customers")
    .values(
      FANS.map((id) => ({
        customer_id: id,
        phone: id,
        marketing_consent: "granted" as const,
        tags: ["fans"],
        country: "GB",
        timezone: "Europe/London",
      })),
    )
    .execute();
  await db
    .insertInto("policies")
    .values({
      id: "big_campaigns",
      name: "Campaigns to 3 or more customers",
      type: "require_approval",
      rules: JSON.stringify({ min_audience: 3 }),
    })
    .execute();
}

beforeAll(async () => {
  [tdb, meta] = await Promise.all([createTestDatabase(), startMockMeta({ port: 0, webhookDelayMs: 50 })]);
  db = createDb(tdb.url, { max: 6 });
  redis = createRedis(TEST_REDIS_URL);
  if (redis.status !== "ready") await once(redis, "ready");
  bus = await connectBus({ url: TEST_NATS_URL, name: "console-approvals-test" });
  await ensureTopology(bus.jsm, names);
  await seed();
  const log = pino({ level: "silent" });
  const state = createStateStore({ db, redis, keyPrefix: prefix, log });
  const compliance = createCompliance({ db, state });
  gate = createApprovalGate({ db, policies: compliance.policies, ttlMs: 3_600_000 });
  const app = createConsoleApp({
    cfg: { CONSOLE_COOKIE_SECURE: false, CONSOLE_SESSION_HOURS: 12 },
    db,
    log,
    now: Date.now,
    state,
    campaigns: { db, log, publishTrigger: campaignTriggerPublisher(bus.js, names) },
    send: createMessaging({ db, state, compliance, js: bus.js, names, log }).enqueueOutbound,
    processBody: async () => {
      throw new Error("no webhooks in this test");
    },
    login: { sessionTtlMs: 3_600_000, maxFailures: 5, lockMs: 30_000 },
    queueDepth: async () => null,
    syncTemplates: null,
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  operatorName = (await newOperator(db, "operator", "maya")).name;
  workers.push(spawnApp(CAMPAIGN_WORKER, workerEnv()), spawnApp(DELIVERY_WORKER, workerEnv()));
  userDir = mkdtempSync(join(tmpdir(), "wa-console-approvals-"));
  context = await chromium.launchPersistentContext(userDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
}, 90_000);

afterAll(async () => {
  await context?.close();
  if (userDir) rmSync(userDir, { recursive: true, force: true });
  for (const w of workers) {
    w.proc.kill("SIGTERM");
    await w.exited;
  }
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await dropStreams(bus?.jsm, names);
  await bus?.close();
  await clearRedisPrefix(redis, prefix);
  await redis?.quit();
  await db?.destroy();
  await meta?.close();
  await tdb?.drop();
}, 30_000);

async function openApproval(id: string): Promise<void> {
  await page.goto(`${base}/approvals`);
  expect(await page.textContent("#pending")).toContain("agent:sales-bot");
  await Promise.all([page.waitForURL(`${base}/approvals/${id}`), page.click(`#approval-${id} a`)]);
}

describe("approvals in the console (browser)", () => {
  it("logs in", async () => {
    await page.goto(`${base}/login`);
    await page.fill('input[name="name"]', operatorName);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
  });

  it("a campaign over the threshold waits; approved in the console, it runs to completed", async () => {
    const r = await agentCampaign("Fans spring sale");
    if (!r.ok || r.status !== "pending_approval")
      throw new Error(`expected pending_approval, got ${JSON.stringify(r)}`);
    expect(await db.selectFrom("campaigns").select("id").execute()).toEqual([]);
    await openApproval(r.approval_id);
    expect(await page.textContent("#approval-status")).toBe("pending");
    expect(await page.textContent("main")).toContain("Campaigns to 3 or more customers");
    expect(await page.textContent("#checks")).toContain("4 customer(s) match now");
    await page.fill("#approve-form input[name=reason]", "Spring sale signed off by marketing lead");
    await Promise.all([page.waitForURL(/notice=/), page.click("#approve-button")]);
    expect(await page.textContent("#approval-status")).toBe("approved");
    expect(await page.textContent("#decision")).toContain(`operator:${operatorName}`);
    const approval = await getApproval(db, r.approval_id);
    const campaignId = approval?.campaign_id;
    if (!campaignId) throw new Error("approved without a campaign");
    const done = await waitFor(
      "campaign completed",
      async () => {
        const c = await db.selectFrom("campaigns").selectAll().where("id", "=", campaignId).executeTakeFirstOrThrow();
        return c.status === "completed" ? c : null;
      },
      60_000,
      200,
    );
    expect(done).toMatchObject({ audience_count: 4, enqueued_count: 4, sent_count: 4 });
    await Promise.all([page.waitForURL(`${base}/campaigns/${campaignId}`), page.click(`#decision a`)]);
    expect(await page.textContent(`#progress-${campaignId} .status`)).toBe("completed");
  });

  it("a rejected one ends with the reason visible to the agent; nothing is scheduled", async () => {
    const r = await agentCampaign("Fans flash sale");
    if (!r.ok || r.status !== "pending_approval")
      throw new Error(`expected pending_approval, got ${JSON.stringify(r)}`);
    await openApproval(r.approval_id);
    await page.fill("#reject-form input[name=reason]", "Too many promotions this week");
    await Promise.all([page.waitForURL(/notice=/), page.click("#reject-button")]);
    expect(await page.textContent("#approval-status")).toBe("rejected");
    expect(await getApproval(db, r.approval_id)).toMatchObject({
      status: "rejected",
      reason: "Too many promotions this week",
      decided_by: `operator:${operatorName}`,
      campaign_id: null,
    });
    const campaigns = await db.selectFrom("campaigns").select("name").execute();
    expect(campaigns.map((c) => c.name)).toEqual(["Fans spring sale"]);
  });
});
