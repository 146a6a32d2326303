// Issue 15 through the built processes: receiver and processor started with an accounts.yaml of two businesses,
// mock-meta serving the same WABAs and numbers (each WABA's webhooks signed with its own app secret).
import { connectBus, type Bus } from "@wa/bus";
import { createDb, type Db } from "@wa/db";
import { signBody } from "@wa/meta";
import { startMockMeta } from "@wa/mock-meta";
import {
  busNames,
  dropStreams,
  TEST_NATS_URL,
  TWO_BUSINESSES,
  twoBusinessesOnMockMeta,
  useTestDatabase,
  writeTwoBusinesses,
} from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyFor } from "./accounts-support.js";
import { processStack, waitFor } from "./support.js";

const { A, B, C, WX, WY } = TWO_BUSINESSES;
const { X_SECRET: SECRET_X, Y_SECRET: SECRET_Y } = TWO_BUSINESSES.env;

const tdb = useTestDatabase();
const names = busNames();
const stack = processStack();
let db: Db;
let admin: Bus;
let base = "";
let meta: Awaited<ReturnType<typeof startMockMeta>>;

const mock = async (path: string, body: unknown) => {
  const res = await fetch(`${meta.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
};
const post = (body: string, secret: string) =>
  fetch(`${base}/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signBody(body, secret) },
    body,
  });
const consent = async (customerId: string, channel: string) =>
  (
    await db
      .selectFrom("customers")
      .select("marketing_consent")
      .where("customer_id", "=", customerId)
      .where("channel", "=", channel)
      .executeTakeFirst()
  )?.marketing_consent;

beforeAll(async () => {
  db = createDb(tdb.url, { max: 2 });
  admin = await connectBus({ url: TEST_NATS_URL, name: "accounts-e2e-admin" });
  base = await stack.up({
    ...names,
    ...TWO_BUSINESSES.env,
    ACCOUNTS_FILE: writeTwoBusinesses(),
    DATABASE_URL: tdb.url,
    META_APP_SECRET: "not-used-with-accounts",
    META_PHONE_NUMBER_ID: A,
    META_WABA_ID: WX,
  });
  meta = await startMockMeta({
    port: 0,
    webhookTargetUrl: `${base}/webhook`,
    webhookDelayMs: 10,
    accounts: twoBusinessesOnMockMeta(),
  });
}, 60_000);

afterAll(async () => {
  await meta?.close();
  await stack.down();
  await dropStreams(admin.jsm, names);
  await admin.close();
  await db.destroy();
});

describe("two businesses through the receiver and processor processes", () => {
  it("an inbound message to A opens the window on (A, customer) only", async () => {
    const who = "6281277770001";
    await mock("/_mock/inbound", { from: who, text: "hello", id: "wamid.ACC-E2E-1", phone_number_id: A });
    const windows = await waitFor("window", async () => {
      const rows = await db
        .selectFrom("conversations")
        .select(["channel", "phone_number_id"])
        .where("customer_id", "=", who)
        .execute();
      return rows.length > 0 && rows;
    });
    expect(windows).toEqual([{ channel: "whatsapp", phone_number_id: A }]);
  });

  it("STOP sent to A revokes marketing on X's channel (all of X's numbers), not on Y's", async () => {
    const who = "6281277770002";
    await db
      .insertInto("customers")
      .values(
        ["whatsapp", "whatsapp:y"].map((channel) => ({
          customer_id: who,
          channel,
          marketing_consent: "granted" as const,
          marketing_consent_at: new Date(Date.now() - 3_600_000),
          marketing_consent_source: "test",
        })),
      )
      .execute();
    await mock("/_mock/inbound", { from: who, text: "STOP", id: "wamid.ACC-E2E-2", phone_number_id: A });
    await waitFor("revoked", async () => (await consent(who, "whatsapp")) === "revoked");
    expect(await consent(who, "whatsapp:y")).toBe("granted");
  });

  it("an event for a number we do not know is dead-lettered with the reason and changes nothing", async () => {
    const who = "6281277770003";
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: WX,
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550209999", phone_number_id: "319999999999999" },
                contacts: [{ profile: { name: "Ann" }, wa_id: who }],
                messages: [
                  {
                    from: who,
                    id: "wamid.ACC-E2E-3",
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    type: "text",
                    text: { body: "STOP" },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    expect((await post(body, SECRET_X)).status).toBe(200);
    const dead = await waitFor("dead letter", () =>
      db.selectFrom("webhook_dead_letters").select(["kind", "error"]).where("kind", "=", "message").executeTakeFirst(),
    );
    expect(dead.error).toMatch(/^UNKNOWN_PHONE_NUMBER: phone_number_id 319999999999999/);
    expect(await db.selectFrom("customers").select("id").where("customer_id", "=", who).execute()).toEqual([]);
  });

  it("a body signed with Y's secret but naming X's WABA is refused (401)", async () => {
    expect((await post(bodyFor(WX), SECRET_Y)).status).toBe(401);
    expect((await post(bodyFor(WY), SECRET_Y)).status).toBe(200);
  });

  it("THROUGHPUT_UPGRADE for C raises only C's throughput_mps", async () => {
    await mock("/_mock/throughput", { phone_number_id: C, mps: 1000 });
    await waitFor("C upgraded", async () => {
      const r = await db
        .selectFrom("phone_numbers")
        .select("throughput_mps")
        .where("phone_number_id", "=", C)
        .executeTakeFirst();
      return r?.throughput_mps === 1000;
    });
    const rows = await db
      .selectFrom("phone_numbers")
      .select(["phone_number_id", "throughput_mps"])
      .orderBy("phone_number_id")
      .execute();
    expect(rows).toEqual([
      { phone_number_id: A, throughput_mps: 80 },
      { phone_number_id: B, throughput_mps: 80 },
      { phone_number_id: C, throughput_mps: 1000 },
    ]);
  });
});
