// Messaging-limit pacing with the tier read from Meta (apps/mock-meta answers TIER_250 for its number).
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { getCampaign, scheduleCampaign } from "@wa/campaigns";
import { createDb, type Db } from "@wa/db";
import { startMockMeta } from "@wa/mock-meta";
import {
  busNames,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@wa/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { campaignRow, deliverQueued, pad, rowCounts, spawnWorker, sql, waitFor, type Worker } from "./support.js";

const names = busNames();
let tdb: TestDatabase;
let db: Db;
let bus: Bus;
let meta: Awaited<ReturnType<typeof startMockMeta>>;
let worker: Worker;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createDb(tdb.url, { max: 4 });
  bus = await connectBus({ url: TEST_NATS_URL, name: "campaign-tier-test" });
  await ensureTopology(bus.jsm, names);
  meta = await startMockMeta({ port: 0 });
  await db
    .insertInto("templates")
    .values({
      name: "welcome_offer",
      locale: "en",
      category: "marketing",
      status: "APPROVED",
      parameter_count: 1,
      components: "[]",
    })
    .execute();
  await db
    .insertInto("customers")
    .values(
      Array.from({ length: 300 }, (_, i) => ({
        customer_id: `4478${pad(i, 8)}`,
        marketing_consent: "granted" as const,
        tags: ["t"],
        country: "GB",
        timezone: "Europe/London",
      })),
    )
    .execute();
  worker = spawnWorker({
    ...names,
    DATABASE_URL: tdb.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix(),
    NATS_URL: TEST_NATS_URL,
    META_API_BASE_URL: meta.url,
    META_ACCESS_TOKEN: "mock-token",
    META_PHONE_NUMBER_ID: "100000000000001",
    META_WABA_ID: "200000000000001",
    OPS_PORT: "0",
    CAMPAIGN_PAGE_SIZE: "100",
    CAMPAIGN_SWEEP_MS: "100",
    MESSAGING_LIMIT_TIER: "",
  });
});

afterAll(async () => {
  worker?.proc.kill("SIGKILL");
  await dropStreams(bus?.jsm, names);
  await bus?.close();
  await meta?.close();
  await db?.destroy();
  await tdb?.drop();
});

it("stops at Meta's TIER_250, says so in progress, and continues when the 24 h window frees places", async () => {
  const s = await scheduleCampaign(
    { db },
    {
      name: "tier",
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["x"],
      audience_filter: { include_tags: ["t"] },
      deliver_at: new Date().toISOString(),
    },
  );
  if (!s.ok) throw new Error(s.human_explanation);
  const id = s.campaign_id;
  await waitFor("tier wait", async () =>
    (await campaignRow(db, id)).status_reason?.startsWith("waiting_messaging_limit"),
  );
  expect((await campaignRow(db, id)).enqueued_count).toBe(250);
  const v = await getCampaign({ db }, id);
  expect(v).toMatchObject({
    ok: true,
    status: "running",
    progress: { fanout_done: false, waiting: { reason: "messaging_limit", tier: "TIER_250", limit: 250, used: 250 } },
  });
  if (v.ok) {
    expect(v.progress.waiting!.explanation).toMatch(/TIER_250/);
    expect(Date.parse(v.progress.waiting!.resumes_at!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(Date.parse(v.progress.eta!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
  }
  await new Promise((r) => setTimeout(r, 500));
  expect((await rowCounts(db, id)).n).toBe(250); // it waits, it does not creep

  await deliverQueued(db, id);
  await db.updateTable("messages").set({ created_at: sql`now() - interval '25 hours'` }).execute(); // a day passes
  await waitFor("fan-out done", async () => (await campaignRow(db, id)).fanout_done);
  expect(await campaignRow(db, id)).toMatchObject({ enqueued_count: 300, status_reason: null });
  await deliverQueued(db, id);
  await waitFor("completed", async () => (await campaignRow(db, id)).status === "completed");
  expect(worker.output()).toMatch(/campaign waits for the messaging-limit window/);
});
