import { createTestDatabase, type TestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, type Harness, harness, inboundBody, outbound, sql, statusesBody } from "./support.js";
import { CAMPAIGN_DEFAULTS } from "./support.js";

// A realistic conversation, one webhook body per update, as Meta would send them.
const T = Math.floor(Date.now() / 1000) - 3 * 3600;
const A = "6281377778888";
const B = "6281399990000";
function conversation(): string[] {
  return [
    inboundBody([{ from: A, id: "wamid.C1", ts: T, text: "Hi, is my order ready?", name: "Ann" }]),
    statusesBody([{ id: "wamid.O1", status: "sent", ts: T + 11, recipient: A, pricing: true }]),
    statusesBody([{ id: "wamid.O1", status: "delivered", ts: T + 12, recipient: A, pricing: true }]),
    statusesBody([{ id: "wamid.O1", status: "read", ts: T + 20, recipient: A }]),
    inboundBody([{ from: A, id: "wamid.C2", ts: T + 30, text: "STOP" }]),
    statusesBody([{ id: "wamid.O2", status: "sent", ts: T + 40, recipient: A }]),
    statusesBody([
      {
        id: "wamid.O2",
        status: "failed",
        ts: T + 41,
        recipient: A,
        errors: [{ code: 131050, title: "Unable to deliver" }],
      },
    ]),
    inboundBody([{ from: A, id: "wamid.C3", ts: T + 60, text: "start" }]),
    envelope("user_preferences", {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550001111", phone_number_id: "100000000000001" },
      contacts: [{ wa_id: A }],
      user_preferences: [
        {
          wa_id: A,
          detail: "User requested to stop marketing messages",
          category: "marketing_messages",
          value: "stop",
          timestamp: T + 70,
        },
      ],
    }),
    inboundBody([{ from: B, id: "wamid.C4", ts: T + 80, text: "hello", name: "Budi" }]),
    inboundBody([
      {
        from: B,
        id: "wamid.C5",
        ts: T + 90,
        type: "reaction",
        extra: { reaction: { message_id: "wamid.O3", emoji: "❤️" } },
      },
    ]),
    statusesBody([{ id: "wamid.O3", status: "read", ts: T + 95, recipient: B }]),
    statusesBody([{ id: "wamid.O3", status: "delivered", ts: T + 93, recipient: B }]),
    envelope(
      "message_template_status_update",
      {
        event: "APPROVED",
        message_template_id: 777,
        message_template_name: "promo",
        message_template_language: "en",
        reason: null,
      },
      T + 5,
    ),
    envelope(
      "message_template_status_update",
      {
        event: "PAUSED",
        message_template_id: 777,
        message_template_name: "promo",
        message_template_language: "en",
        reason: "NONE",
      },
      T + 100,
    ),
  ];
}

async function seed(h: Harness): Promise<void> {
  await h.db
    .insertInto("templates")
    .values({
      name: "promo",
      locale: "en",
      category: "marketing",
      status: "PENDING",
      parameter_count: 0,
      components: "[]",
    })
    .execute();
  await h.db
    .insertInto("campaigns")
    .values({
      ...CAMPAIGN_DEFAULTS,
      id: "00000000-0000-4000-8000-000000000001",
      name: "c",
      type: "marketing",
      template_name: "promo",
      locale: "en",
      scheduled_at: new Date(T * 1000),
      status: "running",
    })
    .execute();
  for (const [wamid, customerId] of [
    ["wamid.O1", A],
    ["wamid.O2", A],
    ["wamid.O3", B],
  ] as const) {
    await outbound(h.db, {
      customerId,
      wamid,
      sentAt: new Date((T + 10) * 1000),
      campaignId: "00000000-0000-4000-8000-000000000001",
    });
  }
  await h.db.updateTable("messages").set({ id: sql`md5(wamid)::uuid` }).execute();
}

/** Every row that webhooks touch, without volatile columns (row ids, created/updated times). */
const strip = <T extends Record<string, unknown>>(rows: T[], ...drop: string[]) =>
  rows.map((r) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !["created_at", "updated_at", ...drop].includes(k))),
  );

async function snapshot(h: Harness) {
  return {
    customers: strip(await h.db.selectFrom("customers").selectAll().orderBy("customer_id").execute(), "id"),
    conversations: strip(await h.db.selectFrom("conversations").selectAll().orderBy("customer_id").execute(), "id"),
    messages: strip(await h.db.selectFrom("messages").selectAll().orderBy("wamid").execute(), "id"),
    templates: strip(await h.db.selectFrom("templates").selectAll().orderBy("name").execute(), "id"),
    campaigns: strip(await h.db.selectFrom("campaigns").selectAll().orderBy("id").execute(), "paused_at"),
    ledger: await h.db.selectFrom("webhook_events").select(["event_key", "kind"]).orderBy("event_key").execute(),
  };
}

function shuffled<T>(xs: T[], prngSeed: number): T[] {
  const out = xs.slice();
  let s = prngSeed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

let dbs: TestDatabase[] = [];
let hs: Harness[] = [];
beforeAll(async () => {
  dbs = await Promise.all([createTestDatabase(), createTestDatabase()]);
  // The in-order run goes through Kysely, the replay through prepared statements: both paths, same rows.
  hs = dbs.map((d, i) => harness(d.url, {}, i === 1));
  await Promise.all(hs.map(seed));
});
afterAll(async () => {
  for (const h of hs) await h.close();
  for (const d of dbs) await d.drop();
});

describe("replay", () => {
  it("three shuffled deliveries of every webhook end in the same rows as one in-order delivery", async () => {
    const [ordered, replayed] = hs as [Harness, Harness];
    for (const body of conversation()) {
      const r = await ordered.processor.processBody(body);
      expect(r.pending).toBe(0);
    }
    const bodies = shuffled([...conversation(), ...conversation(), ...conversation()], 20_261_130);
    // Two processors at once, like two replicas of the consumer.
    const half = Math.ceil(bodies.length / 2);
    await Promise.all(
      [bodies.slice(0, half), bodies.slice(half)].map(async (part) => {
        for (const body of part) expect((await replayed.processor.processBody(body)).pending).toBe(0);
      }),
    );
    const a = await snapshot(ordered);
    const b = await snapshot(replayed);
    expect(b).toEqual(a);
    expect(a.customers.find((c) => c.customer_id === A)).toMatchObject({
      marketing_consent: "revoked",
      marketing_consent_source: "user_preferences",
    });
    expect(a.messages.find((m) => m.wamid === "wamid.O2")).toMatchObject({ status: "failed", error_code: 131050 });
  });
});
