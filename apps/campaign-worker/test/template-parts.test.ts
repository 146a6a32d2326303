// A campaign's template header and buttons (issue 16) travel through the built worker onto every message row.
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { scheduleCampaign } from "@wa/campaigns";
import { createDb, type Db } from "@wa/db";
import {
  busNames,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignRow, spawnWorker, waitFor, type Worker } from "./support.js";

const names = busNames();
let tdb: TestDatabase;
let db: Db;
let bus: Bus;
let worker: Worker;

const COMPONENTS = [
  { type: "HEADER", format: "IMAGE", example: { header_handle: ["https://example.com/a.jpg"] } },
  { type: "BODY", text: "Hi {{1}}, new arrivals." },
  { type: "BUTTONS", buttons: [{ type: "URL", text: "Shop", url: "https://shop.example/c/{{1}}" }] },
];
const header = { type: "image", link: "https://cdn.example/spring.jpg" } as const;
const buttons = [{ index: 0, type: "url", value: "spring" }] as const;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createDb(tdb.url, { max: 4 });
  bus = await connectBus({ url: TEST_NATS_URL, name: "campaign-parts-test" });
  await ensureTopology(bus.jsm, names);
  await db
    .insertInto("templates")
    .values({
      name: "spring_promo",
      locale: "en",
      category: "marketing",
      status: "APPROVED",
      parameter_count: 1,
      body_text: "Hi {{1}}, new arrivals.",
      components: JSON.stringify(COMPONENTS),
    })
    .execute();
  await db
    .insertInto("customers")
    .values(
      Array.from({ length: 3 }, (_, i) => ({
        customer_id: `4478${String(i).padStart(8, "0")}`,
        marketing_consent: "granted" as const,
        tags: ["spring"],
        country: "GB",
        timezone: "Europe/London",
      })),
    )
    .execute();
  worker = spawnWorker({
    ...names,
    DATABASE_URL: tdb.url,
    DB_POOL_MAX: "4",
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix(),
    NATS_URL: TEST_NATS_URL,
    META_API_BASE_URL: "http://127.0.0.1:9",
    META_ACCESS_TOKEN: "test",
    META_PHONE_NUMBER_ID: "100000000000001",
    META_WABA_ID: "200000000000001",
    OPS_PORT: "0",
    LOG_LEVEL: "warn",
    CAMPAIGN_SWEEP_MS: "100",
    MESSAGING_LIMIT_TIER: "TIER_UNLIMITED",
  });
});

afterAll(async () => {
  worker?.proc.kill("SIGKILL");
  await dropStreams(bus?.jsm, names);
  await bus?.close();
  await db?.destroy();
  await tdb?.drop();
});

describe("campaign template parts", () => {
  it("refuses parts that do not fit the template when scheduling", async () => {
    const r = await scheduleCampaign(
      { db },
      {
        name: "spring",
        type: "marketing",
        template_name: "spring_promo",
        variables: ["friend"],
        header,
        deliver_at: new Date().toISOString(),
      },
    );
    expect(r).toMatchObject({ ok: false, reason_code: "TEMPLATE_VARIABLES_MISMATCH" });
  });

  it("writes every recipient's message with the campaign's header and buttons", async () => {
    const r = await scheduleCampaign(
      { db },
      {
        name: "spring",
        type: "marketing",
        template_name: "spring_promo",
        variables: ["friend"],
        header,
        buttons,
        audience_filter: { include_tags: ["spring"] },
        deliver_at: new Date().toISOString(),
      },
    );
    if (!r.ok) throw new Error(r.human_explanation);
    await waitFor("fan-out done", async () => (await campaignRow(db, r.campaign_id)).fanout_done, 30_000);
    const rows = await db.selectFrom("messages").select("content").where("campaign_id", "=", r.campaign_id).execute();
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.content).toMatchObject({ variables: ["friend"], header, buttons });
  });
});
