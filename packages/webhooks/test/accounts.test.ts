// Issue 15: every event routed by its number (metadata.phone_number_id) or WABA (entry.id). Business X has
// numbers A and B in one WABA, business Y number C in another (@wa/testkit's TWO_BUSINESSES); an event for a number or WABA not listed is
// dead-lettered and changes nothing.
import { type Accounts, openAccounts } from "@wa/accounts";
import { createCompliance } from "@wa/compliance";
import { createDb } from "@wa/db";
import { createStateStore } from "@wa/state";
import { TWO_BUSINESSES, useTestDatabase, writeTwoBusinesses } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, harness, outbound } from "./support.js";

const { WX, WY, A, B, C } = TWO_BUSINESSES;

const tdb = useTestDatabase();
let h: Harness;
let accounts: Accounts;
const nowS = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const db = createDb(tdb.url, { max: 2 });
  accounts = await openAccounts({
    db,
    file: writeTwoBusinesses(),
    single: { META_PHONE_NUMBER_ID: A, META_WABA_ID: WX },
  });
  await db.destroy();
  h = harness(tdb.url, { accounts, optOutKeywords: ["STOP"], optInKeywords: ["START"] });
});
afterAll(() => h.close());

const display = (n: string) => `1555020000${n.slice(-1)}`;
function body(waba: string, field: string, value: Record<string, unknown>): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: waba, time: nowS(), changes: [{ field, value }] }],
  });
}
/** A template status event of WABA `waba` about Meta template `id`. */
const templateEvent = (waba: string, id: number, name: string, ev: string) =>
  body(waba, "message_template_status_update", {
    event: ev,
    message_template_id: id,
    message_template_name: name,
    message_template_language: "en",
    reason: "NONE",
  });
const messagesValue = (number: string, v: Record<string, unknown>) => ({
  messaging_product: "whatsapp",
  metadata: { display_phone_number: display(number), phone_number_id: number },
  ...v,
});
function inbound(waba: string, number: string, from: string, id: string, text: string): string {
  return body(
    waba,
    "messages",
    messagesValue(number, {
      contacts: [{ profile: { name: "Ann" }, wa_id: from }],
      messages: [{ from, id, timestamp: String(nowS() - 60), type: "text", text: { body: text } }],
    }),
  );
}
function status(waba: string, number: string, id: string, st: string, errors?: unknown[]): string {
  return body(
    waba,
    "messages",
    messagesValue(number, {
      statuses: [
        { id, status: st, timestamp: String(nowS()), recipient_id: "6281200000009", ...(errors ? { errors } : {}) },
      ],
    }),
  );
}

const channelOf = (business: string) => accounts.numbers.find((n) => n.businessId === business)!.channel;
const consent = async (customerId: string, channel: string) =>
  (
    await h.db
      .selectFrom("customers")
      .select("marketing_consent")
      .where("customer_id", "=", customerId)
      .where("channel", "=", channel)
      .executeTakeFirst()
  )?.marketing_consent;
const deadLetters = () => h.db.selectFrom("webhook_dead_letters").select(["kind", "error"]).orderBy("id").execute();

const outboundFrom = (number: string, customerId: string, channel: string, wamid: string) =>
  outbound(h.db, { customerId, wamid, channel, phoneNumberId: number });
const statusOf = async (id: string) =>
  (await h.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

describe("webhooks routed by number and WABA", () => {
  it("the businesses have their own channels", () => {
    expect(channelOf("x")).toBe("whatsapp");
    expect(channelOf("y")).toBe("whatsapp:y");
  });

  it("an inbound message to A opens the window on (A, customer) only: a reply from A is allowed, from B it needs a template", async () => {
    const who = "6281200000001";
    const r = await h.processor.processBody(inbound(WX, A, who, "wamid.ACC-IN1", "hello"));
    expect(r.outcomes.applied).toBe(1);
    const windows = await h.db
      .selectFrom("conversations")
      .select(["channel", "phone_number_id"])
      .where("customer_id", "=", who)
      .execute();
    expect(windows).toEqual([{ channel: "whatsapp", phone_number_id: A }]);
    expect(await h.redis.pttl(`${h.prefix}conv:${who}:whatsapp:${A}`)).toBeGreaterThan(22 * 3600 * 1000);
    const state = createStateStore({ db: h.db, redis: h.redis, keyPrefix: h.prefix, phoneNumberId: A });
    const compliance = createCompliance({ db: h.db, state });
    const reply = (phone: string) =>
      compliance.evaluate({ customer_id: who, message_type: "service", channel: "whatsapp", phone_number_id: phone });
    expect(await reply(A)).toMatchObject({ allowed: true });
    expect(await reply(B)).toMatchObject({ allowed: false, reason_code: "TEMPLATE_REQUIRED" });
    // Business Y never heard of this customer.
    expect(await consent(who, "whatsapp:y")).toBeUndefined();
  });

  it("an inbound message to C is stored on Y's channel, with C's window", async () => {
    const who = "6281200000009";
    const r = await h.processor.processBody(inbound(WY, C, who, "wamid.ACC-IN-C", "hello Y"));
    expect(r.outcomes.applied).toBe(1);
    const row = await h.db
      .selectFrom("messages")
      .select(["channel", "phone_number_id", "direction"])
      .where("wamid", "=", "wamid.ACC-IN-C")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ channel: "whatsapp:y", phone_number_id: C, direction: "inbound" });
  });

  it("STOP sent to A revokes marketing on X's channel (so from B too) and not on Y's", async () => {
    const who = "6281200000002";
    const promo = {
      name: "promo_acc",
      locale: "en",
      category: "marketing",
      status: "APPROVED",
      components: "[]",
    } as const;
    // templates belong to a WABA: each has its own promo_acc
    await h.db
      .insertInto("templates")
      .values([
        { ...promo, waba_id: WX },
        { ...promo, waba_id: WY },
      ])
      .execute();
    const state = createStateStore({ db: h.db, redis: h.redis, keyPrefix: h.prefix, phoneNumberId: A });
    for (const channel of ["whatsapp", "whatsapp:y"])
      await state.setConsent({ customerId: who, channel }, { marketing: "granted" }, { source: "test" });
    await h.processor.processBody(inbound(WX, A, who, "wamid.ACC-STOP", "STOP"));
    expect(await consent(who, "whatsapp")).toBe("revoked");
    expect(await consent(who, "whatsapp:y")).toBe("granted");
    const compliance = createCompliance({ db: h.db, state });
    const marketing = (channel: string, phone: string) =>
      compliance.evaluate({
        customer_id: who,
        message_type: "template",
        template_name: "promo_acc",
        variables: [],
        channel,
        phone_number_id: phone,
      });
    expect(await marketing("whatsapp", B)).toMatchObject({ allowed: false, reason_code: "USER_OPTED_OUT" });
    expect(await marketing("whatsapp:y", C)).toMatchObject({ allowed: true });
  });

  it("a user_preferences stop through C is Y's only", async () => {
    const who = "6281200000003";
    const state = createStateStore({ db: h.db, redis: h.redis, keyPrefix: h.prefix, phoneNumberId: A });
    for (const channel of ["whatsapp", "whatsapp:y"])
      await state.setConsent({ customerId: who, channel }, { marketing: "granted" }, { source: "test" });
    const r = await h.processor.processBody(
      body(
        WY,
        "user_preferences",
        messagesValue(C, {
          user_preferences: [{ wa_id: who, category: "marketing_messages", value: "stop", timestamp: nowS() }],
        }),
      ),
    );
    expect(r.outcomes.applied).toBe(1);
    expect(await consent(who, "whatsapp:y")).toBe("revoked");
    expect(await consent(who, "whatsapp")).toBe("granted");
  });

  it("a template event updates its WABA's row: by Meta id (global), else by name and locale within entry.id", async () => {
    const row = { name: "twin", locale: "en", category: "utility", status: "PENDING", components: "[]" } as const;
    await h.db
      .insertInto("templates")
      .values([
        { ...row, waba_id: WX },
        { ...row, waba_id: WY },
        { ...row, name: "twin_id", waba_id: WX, meta_id: "7001" },
        { ...row, name: "twin_id", waba_id: WY, meta_id: "7002" },
      ])
      .execute();
    const r1 = await h.processor.processBody(templateEvent(WY, 7003, "twin", "APPROVED"));
    const r2 = await h.processor.processBody(templateEvent(WY, 7002, "twin_id", "REJECTED"));
    expect([r1.outcomes.applied, r2.outcomes.applied]).toEqual([1, 1]);
    const rows = await h.db
      .selectFrom("templates")
      .select(["name", "waba_id", "status", "meta_id"])
      .where("name", "in", ["twin", "twin_id"])
      .orderBy("name")
      .orderBy("waba_id")
      .execute();
    expect(rows).toEqual([
      { name: "twin", waba_id: WX, status: "PENDING", meta_id: null },
      { name: "twin", waba_id: WY, status: "APPROVED", meta_id: "7003" },
      { name: "twin_id", waba_id: WX, status: "PENDING", meta_id: "7001" },
      { name: "twin_id", waba_id: WY, status: "REJECTED", meta_id: "7002" },
    ]);
  });

  it("an event for a number or WABA we do not know is dead-lettered with the reason and changes nothing", async () => {
    await h.db.deleteFrom("webhook_dead_letters").execute();
    const who = "6281200000004";
    const unknownNumber = await h.processor.processBody(inbound(WX, "399999999999999", who, "wamid.ACC-UNK1", "STOP"));
    // C is Y's number: an entry naming X's WABA cannot carry it (nor apply to either business).
    const wrongWaba = await h.processor.processBody(inbound(WX, C, who, "wamid.ACC-UNK2", "hi"));
    const unknownWaba = await h.processor.processBody(
      body("399999999999998", "message_template_status_update", {
        event: "APPROVED",
        message_template_id: 123,
        message_template_name: "x",
        message_template_language: "en",
        reason: "NONE",
      }),
    );
    for (const r of [unknownNumber, wrongWaba, unknownWaba])
      expect(r.outcomes).toMatchObject({ parked: 1, applied: 0 });
    const dead = await deadLetters();
    expect(dead.map((d) => d.error.split(":")[0])).toEqual([
      "UNKNOWN_PHONE_NUMBER",
      "NUMBER_NOT_IN_WABA",
      "UNKNOWN_WABA",
    ]);
    expect(dead[0]!.error).toContain("399999999999999");
    expect(await h.db.selectFrom("customers").select("id").where("customer_id", "=", who).execute()).toEqual([]);
    expect(
      await h.db
        .selectFrom("messages")
        .select("id")
        .where("wamid", "in", ["wamid.ACC-UNK1", "wamid.ACC-UNK2"])
        .execute(),
    ).toEqual([]);
    // Meta redelivers: still parked once, still nothing applied.
    const again = await h.processor.processBody(inbound(WX, "399999999999999", who, "wamid.ACC-UNK1", "STOP"));
    expect(again.outcomes).toMatchObject({ duplicate: 1, parked: 0, applied: 0 });
  });

  it("a status from another number than its message's is dead-lettered, not applied (plain and with a consent revoke)", async () => {
    await h.db.deleteFrom("webhook_dead_letters").execute();
    const who = "6281200000005";
    const m1 = await outboundFrom(A, who, "whatsapp", "wamid.ACC-OUT1");
    const m2 = await outboundFrom(A, who, "whatsapp", "wamid.ACC-OUT2");
    const plain = await h.processor.processBody(status(WX, B, "wamid.ACC-OUT1", "delivered"));
    const optedOut = [{ code: 131050, title: "Unable to deliver: user stopped marketing messages" }];
    const special = await h.processor.processBody(status(WX, B, "wamid.ACC-OUT2", "failed", optedOut));
    for (const r of [plain, special]) expect(r.outcomes).toMatchObject({ parked: 1, applied: 0 });
    expect(await statusOf(m1)).toBe("sent");
    expect(await statusOf(m2)).toBe("sent");
    expect((await deadLetters()).map((d) => d.error.split(":")[0])).toEqual([
      "STATUS_NUMBER_MISMATCH",
      "STATUS_NUMBER_MISMATCH",
    ]);
    // From its own number: applied, and the 131050 revoke lands on X's channel. (A status's ledger key is its
    // wamid and status, whatever the number: the parked one stays parked, so these are new statuses.)
    const m3 = await outboundFrom(A, who, "whatsapp", "wamid.ACC-OUT3");
    expect((await h.processor.processBody(status(WX, A, "wamid.ACC-OUT1", "read"))).outcomes.applied).toBe(1);
    const own = await h.processor.processBody(status(WX, A, "wamid.ACC-OUT3", "failed", optedOut));
    expect(own.outcomes.applied).toBe(1);
    expect(await statusOf(m1)).toBe("read");
    expect(await statusOf(m3)).toBe("failed");
    expect(await consent(who, "whatsapp")).toBe("revoked");
  });

  it("THROUGHPUT_UPGRADE for C raises only C's throughput; the tier goes to Y's business and C's row", async () => {
    const r = await h.processor.processBody(
      body(WY, "phone_number_quality_update", {
        display_phone_number: "15550200003",
        event: "THROUGHPUT_UPGRADE",
        current_limit: "TIER_UNLIMITED",
      }),
    );
    expect(r.outcomes.applied).toBe(1);
    const numbers = await h.db
      .selectFrom("phone_numbers")
      .select(["phone_number_id", "throughput_mps", "messaging_limit_tier"])
      .orderBy("phone_number_id")
      .execute();
    expect(numbers).toEqual([
      { phone_number_id: A, throughput_mps: 80, messaging_limit_tier: null },
      { phone_number_id: B, throughput_mps: 80, messaging_limit_tier: null },
      { phone_number_id: C, throughput_mps: 1000, messaging_limit_tier: "TIER_UNLIMITED" },
    ]);
    const tiers = await h.db
      .selectFrom("businesses")
      .select(["business_id", "messaging_limit_tier"])
      .orderBy("business_id")
      .execute();
    expect(tiers).toEqual([
      { business_id: "x", messaging_limit_tier: null },
      { business_id: "y", messaging_limit_tier: "TIER_UNLIMITED" },
    ]);
    // C's display number under X's WABA is not X's number: parked, nothing raised.
    const wrong = await h.processor.processBody(
      body(WX, "phone_number_quality_update", {
        display_phone_number: "15550200003",
        event: "FLAGGED",
        current_limit: "TIER_250",
      }),
    );
    expect(wrong.outcomes).toMatchObject({ parked: 1, applied: 0 });
    const x = await h.db
      .selectFrom("businesses")
      .select("messaging_limit_tier")
      .where("business_id", "=", "x")
      .executeTakeFirstOrThrow();
    expect(x.messaging_limit_tier).toBeNull();
  });
});
