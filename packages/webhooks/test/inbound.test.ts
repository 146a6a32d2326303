import { createCompliance } from "@wa/compliance";
import { createStateStore } from "@wa/state";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, type Harness, harness, inboundBody, sql } from "./support.js";

const tdb = useTestDatabase();
let h: Harness;
beforeAll(
  () => void (h = harness(tdb.url, { optOutKeywords: ["STOP", "STOP ALL", "BERHENTI"], optInKeywords: ["START"] })),
);
afterAll(() => h.close());

const nowS = () => Math.floor(Date.now() / 1000);
const customer = (id: string) =>
  h.db.selectFrom("customers").selectAll().where("customer_id", "=", id).executeTakeFirst();

describe("inbound messages", () => {
  it("upsert the customer, store the message and open the window from the message's own time (Redis too)", async () => {
    const ts = nowS() - 3600;
    const r = await h.processor.processBody(
      inboundBody([{ from: "6281311112222", id: "wamid.IN1", ts, text: "hello there", name: "Budi" }]),
    );
    expect(r.outcomes.applied).toBe(1);
    const c = await customer("6281311112222");
    expect(c).toMatchObject({ display_name: "Budi", phone: "6281311112222", country: "ID" });
    expect(c!.last_inbound_at).toEqual(new Date(ts * 1000));
    const conv = await h.db
      .selectFrom("conversations")
      .selectAll()
      .where("customer_id", "=", "6281311112222")
      .executeTakeFirstOrThrow();
    expect(conv.window_expires_at).toEqual(new Date((ts + 86_400) * 1000));
    const msg = await h.db
      .selectFrom("messages")
      .selectAll()
      .where("wamid", "=", "wamid.IN1")
      .executeTakeFirstOrThrow();
    expect(msg).toMatchObject({
      direction: "inbound",
      status: "received",
      kind: "text",
      received_at: new Date(ts * 1000),
    });
    expect(msg.content).toMatchObject({ type: "text", body: "hello there", text: "hello there" });
    const ttl = await h.redis.pttl(`${h.prefix}conv:6281311112222:whatsapp:-`);
    expect(ttl).toBeGreaterThan(22 * 3600 * 1000);
    expect(ttl).toBeLessThanOrEqual(23 * 3600 * 1000 + 1000);
  });

  it("stores several message types", async () => {
    const ts = nowS() - 60;
    const r = await h.processor.processBody(
      inboundBody([
        {
          from: "6281322223333",
          id: "wamid.IMG",
          ts,
          type: "image",
          extra: { image: { id: "media1", mime_type: "image/jpeg", caption: "look" } },
        },
        {
          from: "6281322223333",
          id: "wamid.LOC",
          ts: ts + 1,
          type: "location",
          extra: { location: { latitude: -6.2, longitude: 106.8, name: "Monas" } },
        },
        {
          from: "6281322223333",
          id: "wamid.REA",
          ts: ts + 2,
          type: "reaction",
          extra: { reaction: { message_id: "wamid.X", emoji: "👍" } },
        },
        {
          from: "6281322223333",
          id: "wamid.BTN",
          ts: ts + 3,
          type: "interactive",
          extra: { interactive: { type: "button_reply", button_reply: { id: "yes", title: "Yes" } } },
        },
      ]),
    );
    expect(r.outcomes.applied).toBe(4);
    const rows = await h.db
      .selectFrom("messages")
      .select(["wamid", "kind"])
      .where("customer_id", "=", "6281322223333")
      .orderBy("wamid")
      .execute();
    expect(rows.map((x) => x.kind).toSorted()).toEqual(["image", "interactive", "location", "reaction"]);
    const conv = await h.db
      .selectFrom("conversations")
      .select("last_inbound_at")
      .where("customer_id", "=", "6281322223333")
      .executeTakeFirstOrThrow();
    expect(conv.last_inbound_at).toEqual(new Date((ts + 3) * 1000));
  });

  it("keys a BSUID-only user by the BSUID (and the STOP in that fixture revokes consent)", async () => {
    const r = await h.processor.processBody(fixture("bsuid-only"));
    expect(r.outcomes.failed).toBe(0);
    const c = await customer("US.13491208655302741918");
    expect(c).toMatchObject({
      bsuid: "US.13491208655302741918",
      phone: null,
      marketing_consent: "revoked",
      marketing_consent_source: "inbound_keyword",
    });
  });

  it("STOP revokes marketing consent with an audit entry and the next marketing send is denied; START grants it again", async () => {
    const id = "6281344445555";
    await h.db
      .insertInto("templates")
      .values({
        name: "promo_june",
        locale: "en",
        category: "marketing",
        status: "APPROVED",
        parameter_count: 0,
        components: "[]",
      })
      .execute();
    const state = createStateStore({ db: h.db, redis: h.redis, keyPrefix: h.prefix });
    await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "test" });
    const ts = nowS() - 120;
    await h.processor.processBody(inboundBody([{ from: id, id: "wamid.STOP1", ts, text: "  stop   all " }]));
    expect(await customer(id)).toMatchObject({
      marketing_consent: "revoked",
      marketing_consent_at: new Date(ts * 1000),
    });
    const kw = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM audit_logs WHERE action = 'inbound.opt_out_keyword' AND subject_id = ${id}`.execute(
      h.db,
    );
    expect(Number(kw.rows[0]!.n)).toBe(1);
    const audit = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM audit_logs WHERE action = 'consent.updated' AND subject_id = ${id} AND details->>'to' = 'revoked'`.execute(
      h.db,
    );
    expect(Number(audit.rows[0]!.n)).toBe(1);
    const compliance = createCompliance({ db: h.db, state });
    const d = await compliance.evaluate({
      customer_id: id,
      message_type: "template",
      template_name: "promo_june",
      variables: [],
    });
    expect(d).toMatchObject({ allowed: false, reason_code: "USER_OPTED_OUT" });

    await h.processor.processBody(inboundBody([{ from: id, id: "wamid.START1", ts: ts + 30, text: "Start" }]));
    expect(await customer(id)).toMatchObject({
      marketing_consent: "granted",
      marketing_consent_source: "inbound_keyword",
    });
    // A STOP older than the START that arrives late changes nothing.
    await h.processor.processBody(inboundBody([{ from: id, id: "wamid.STOP0", ts: ts + 10, text: "STOP" }]));
    expect(await customer(id)).toMatchObject({ marketing_consent: "granted" });
    // Not a keyword: a sentence containing one.
    await h.processor.processBody(
      inboundBody([{ from: id, id: "wamid.TXT", ts: ts + 40, text: "please stop sending" }]),
    );
    expect(await customer(id)).toMatchObject({ marketing_consent: "granted" });
  });

  it("user_preferences stop/resume set marketing consent", async () => {
    const r = await h.processor.processBody(fixture("user-preferences"));
    expect(r.outcomes.failed + r.outcomes.deferred).toBe(0);
    const c = await customer("6281199887766");
    expect(c).not.toBeUndefined();
    expect(["granted", "revoked"]).toContain(c!.marketing_consent);
    expect(c!.marketing_consent_source).toBe("user_preferences");
  });

  it("a duplicate inbound body is applied once", async () => {
    const body = inboundBody([{ from: "6281355556666", id: "wamid.DUPIN", ts: nowS() - 5, text: "STOP" }]);
    await h.processor.processBody(body);
    const r = await h.processor.processBody(body);
    expect(r.outcomes.duplicate).toBe(1);
    const n = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_logs WHERE subject_id = '6281355556666'`.execute(
      h.db,
    );
    expect(Number(n.rows[0]!.n)).toBe(2); // consent.updated + inbound.opt_out_keyword, once each
  });
});
