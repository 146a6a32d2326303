// Many numbers, many accounts (issue 15) through the built worker: a campaign sends from its number to its
// business's customers only, consent is the business's, and the messaging limit is the portfolio's.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAccounts } from "@wa/accounts";
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { getCampaign, scheduleCampaign } from "@wa/campaigns";
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
import { afterAll, beforeAll, expect, it } from "vitest";
import { campaignRow, spawnWorker, sql, waitFor, type Worker } from "./support.js";

const A = "320000000000001"; // business x
const B = "320000000000002"; // business x, "+1 555 0202"
const C = "330000000000001"; // business y
const ACCOUNTS = `
businesses:
  - id: shop
    default: true
    wabas:
      - id: "300000000000001"
        token: { env: SHOP_TOKEN }
        app_secret: { env: SHOP_SECRET }
        numbers: [{ id: "310000000000001", default: true }]
  - id: x
    wabas:
      - id: "300000000000002"
        token: { env: X_TOKEN }
        app_secret: { env: X_SECRET }
        numbers: [{ id: "${A}", display: "+1 555 0201" }, { id: "${B}", display: "+1 555 0202" }]
  - id: y
    wabas:
      - id: "300000000000003"
        token: { env: Y_TOKEN }
        app_secret: { env: Y_SECRET }
        numbers: [{ id: "${C}" }]
`;

const names = busNames();
let tdb: TestDatabase;
let db: Db;
let bus: Bus;
let worker: Worker;
const customer = (i: number) => `447800000000${i}`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createDb(tdb.url, { max: 4 });
  bus = await connectBus({ url: TEST_NATS_URL, name: "campaign-numbers-test" });
  await ensureTopology(bus.jsm, names);
  const file = join(mkdtempSync(join(tmpdir(), "wa-campaign-numbers-")), "accounts.yaml");
  writeFileSync(file, ACCOUNTS);
  const single = { META_PHONE_NUMBER_ID: "310000000000001", META_WABA_ID: "300000000000001" };
  await openAccounts({ db, file, single }); // what every app does at start (the worker again below)
  // Templates belong to a WABA: each WABA has its own welcome_offer (a campaign uses its number's WABA's).
  await db
    .insertInto("templates")
    .values(
      ["300000000000001", "300000000000002", "300000000000003"].map((waba_id) => ({
        waba_id,
        name: "welcome_offer",
        locale: "en",
        category: "marketing" as const,
        status: "APPROVED",
        parameter_count: 1,
        components: "[]",
      })),
    )
    .execute();
  // The same five people are customers of x and of y; only x's customer 1 revoked marketing (STOP to x).
  const rows = ["whatsapp:x", "whatsapp:y"].flatMap((channel) =>
    [1, 2, 3, 4, 5].map((i) => ({
      channel,
      customer_id: customer(i),
      marketing_consent: channel === "whatsapp:x" && i === 1 ? ("revoked" as const) : ("granted" as const),
      tags: ["promo"],
      country: "GB",
      timezone: "Europe/London",
    })),
  );
  rows.push({ ...rows[1]!, channel: "whatsapp", customer_id: customer(6) }); // the default business's: never reached
  rows.push({ ...rows[1]!, customer_id: customer(9), tags: [] }); // x's, outside the audience
  await db.insertInto("customers").values(rows).execute();
  // x's number A reached one user (not in the audience) an hour ago: x's tier has 2 of 3 places left.
  await db
    .insertInto("messages")
    .values({
      channel: "whatsapp:x",
      phone_number_id: A,
      customer_id: customer(9),
      direction: "outbound",
      category: "marketing",
      kind: "template",
      content: JSON.stringify({ type: "template" }),
      status: "sent",
      created_at: sql<Date>`now() - interval '1 hour'`,
    })
    .execute();
  worker = spawnWorker({
    ...names,
    DATABASE_URL: tdb.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix(),
    NATS_URL: TEST_NATS_URL,
    META_API_BASE_URL: "http://127.0.0.1:9",
    META_ACCESS_TOKEN: "test",
    ...single,
    ACCOUNTS_FILE: file,
    OPS_PORT: "0",
    CAMPAIGN_PAGE_SIZE: "10",
    CAMPAIGN_SWEEP_MS: "100",
    QUIET_HOURS_MODE: "skip",
    MESSAGING_LIMIT_TIER: "TIER_3", // every portfolio: 3 unique users per 24 h
  });
});

afterAll(async () => {
  worker?.proc.kill("SIGKILL");
  await dropStreams(bus?.jsm, names);
  await bus?.close();
  await db?.destroy();
  await tdb?.drop();
});

const campaign = (from: string | undefined) =>
  scheduleCampaign(
    { db },
    {
      name: `from ${from}`,
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["x"],
      audience_filter: { include_tags: ["promo"] },
      deliver_at: new Date().toISOString(),
      ...(from === undefined ? {} : { from }),
    },
  );

const sends = (campaignId: string) =>
  db
    .selectFrom("messages")
    .select(["customer_id", "channel", "phone_number_id"])
    .where("campaign_id", "=", campaignId)
    .orderBy("customer_id")
    .execute();

it("refuses a number this deployment does not send from, naming the ones it does", async () => {
  const r = await campaign("+1 555 0999");
  expect(r).toMatchObject({ ok: false, reason_code: "NOT_FOUND", details: { from: "+1 555 0999" } });
  if (!r.ok) {
    expect(r.human_explanation).toContain(`${B} (+1 555 0202)`);
    expect(r.details?.numbers).toContainEqual({ phone_number_id: C, display_phone_number: null, business_id: "y" });
  }
  expect(await campaign(undefined)).toMatchObject({ ok: true, phone_number_id: "310000000000001" });
});

it("sends from its number to its business's customers, skips x's STOP, and paces against each portfolio's tier", async () => {
  const fromB = await campaign("+1 555 0202"); // by display number
  const fromC = await campaign(C);
  if (!fromB.ok || !fromC.ok) throw new Error("not scheduled");
  expect(fromB).toMatchObject({ phone_number_id: B, display_phone_number: "+1 555 0202", audience_estimate: 5 });
  expect(await campaignRow(db, fromB.campaign_id)).toMatchObject({ phone_number_id: B, channel: "whatsapp:x" });

  const waiting = async (id: string) =>
    (await campaignRow(db, id)).status_reason?.startsWith("waiting_messaging_limit");
  await waitFor(
    "both campaigns wait for their tier",
    async () => (await waiting(fromB.campaign_id)) && waiting(fromC.campaign_id),
  );

  // x: A's earlier user + 2 of B's fill x's 3 places (customer 1 said STOP to x: skipped, not counted).
  const x = await campaignRow(db, fromB.campaign_id);
  expect(x).toMatchObject({ enqueued_count: 2, skipped_by_reason: { opted_out: 1 } });
  expect(await sends(fromB.campaign_id)).toEqual(
    [2, 3].map((i) => ({ customer_id: customer(i), channel: "whatsapp:x", phone_number_id: B })),
  );
  // y: x's users do not count against it; customer 1 never said STOP to y.
  expect((await campaignRow(db, fromC.campaign_id)).enqueued_count).toBe(3);
  expect(await sends(fromC.campaign_id)).toEqual(
    [1, 2, 3].map((i) => ({ customer_id: customer(i), channel: "whatsapp:y", phone_number_id: C })),
  );

  const v = await getCampaign({ db }, fromB.campaign_id);
  expect(v).toMatchObject({
    ok: true,
    phone_number_id: B,
    display_phone_number: "+1 555 0202",
    business_id: "x",
    progress: { waiting: { tier: "TIER_3", limit: 3, used: 3 } },
  });
  if (v.ok) expect(v.progress.waiting?.explanation).toMatch(/business x/);
  expect(worker.output()).toMatch(/campaign waits for the messaging-limit window/);
});
