import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, type Harness, harness, outbound, PHONE_ID } from "./support.js";

// The phone ↔ BSUID link as the webhook processor learns it: which customer survives a merge, what it keeps.
const tdb = useTestDatabase();
let h: Harness;
beforeAll(() => void (h = harness(tdb.url, { optOutKeywords: ["STOP"], optInKeywords: ["START"] })));
afterAll(() => h.close());

const nowS = () => Math.floor(Date.now() / 1000);
let seq = 0;
const ids = () => {
  seq += 1;
  return {
    p: `4915100${process.pid % 1000}${String(seq).padStart(3, "0")}`,
    b: `DE.${process.pid}${Date.now()}${seq}`,
  };
};

/** One inbound message as Meta sends it: by phone, by BSUID only (username), or both. */
function message(m: { phone?: string; bsuid?: string; id: string; ts: number; text?: string }): string {
  return envelope("messages", {
    messaging_product: "whatsapp",
    metadata: { display_phone_number: "15550001111", phone_number_id: PHONE_ID },
    contacts: [{ profile: { name: "Ann" }, wa_id: m.phone ?? "", ...(m.bsuid ? { user_id: m.bsuid } : {}) }],
    messages: [
      {
        ...(m.phone ? { from: m.phone } : {}),
        ...(m.bsuid ? { from_user_id: m.bsuid } : {}),
        id: m.id,
        timestamp: String(m.ts),
        type: "text",
        text: { body: m.text ?? "hi" },
      },
    ],
  });
}

const customer = (id: string) =>
  h.db.selectFrom("customers").selectAll().where("customer_id", "=", id).executeTakeFirst();

describe("phone ↔ BSUID link from webhooks", () => {
  it("a phone customer learns its BSUID: one alias, one customer.linked entry, no second customer", async () => {
    const { p, b } = ids();
    await h.processor.processBody(message({ phone: p, id: `wamid.L1${b}`, ts: nowS() - 60 }));
    await h.processor.processBody(message({ phone: p, bsuid: b, id: `wamid.L2${b}`, ts: nowS() - 30 }));
    await h.processor.processBody(message({ phone: p, bsuid: b, id: `wamid.L3${b}`, ts: nowS() - 10 }));
    expect(await customer(p)).toMatchObject({ phone: p, bsuid: b });
    expect(await customer(b)).toBeUndefined();
    const aliases = await h.db.selectFrom("customer_aliases").selectAll().where("customer_id", "=", p).execute();
    expect(aliases.map((a) => [a.alias, a.kind])).toEqual([[b, "bsuid"]]);
    const audit = await h.db.selectFrom("audit_logs").select("action").where("subject_id", "=", p).execute();
    expect(audit.filter((a) => a.action.startsWith("customer."))).toEqual([{ action: "customer.linked" }]);
  });

  it("merges into the phone customer even when the BSUID customer is older; a STOP on the phone side stays", async () => {
    const { p, b } = ids();
    const t = nowS() - 3000;
    await h.processor.processBody(message({ bsuid: b, id: `wamid.M1${b}`, ts: t, text: "START" }));
    await h.processor.processBody(message({ phone: p, id: `wamid.M2${b}`, ts: t + 60, text: "STOP" }));
    await h.db
      .updateTable("customers")
      .set({ tags: ["vip"] })
      .where("customer_id", "=", b)
      .execute();
    await h.db
      .updateTable("customers")
      .set({ tags: ["de"] })
      .where("customer_id", "=", p)
      .execute();
    // A template queued to the BSUID before the merge keeps going to the BSUID afterwards.
    const pending = await outbound(h.db, { customerId: b, wamid: null, status: "queued" });
    const r = await h.processor.processBody(message({ phone: p, bsuid: b, id: `wamid.M3${b}`, ts: t + 120 }));
    expect(r.outcomes.applied).toBe(1);

    expect(await customer(b)).toBeUndefined();
    const c = await customer(p);
    expect(c).toMatchObject({ phone: p, bsuid: b, marketing_consent: "revoked", tags: ["de", "vip"] });
    expect(c!.last_inbound_at).toEqual(new Date((t + 120) * 1000));
    const msgs = await h.db
      .selectFrom("messages")
      .select(["id", "customer_id", "content"])
      .where("customer_id", "in", [p, b])
      .execute();
    expect(msgs).toHaveLength(4);
    expect(msgs.every((m) => m.customer_id === p)).toBe(true);
    expect(msgs.find((m) => m.id === pending)?.content).toMatchObject({ to: b });
    const convs = await h.db.selectFrom("conversations").selectAll().where("customer_id", "in", [p, b]).execute();
    expect(convs).toHaveLength(1);
    expect(convs[0]).toMatchObject({ customer_id: p, status: "active", opened_at: new Date(t * 1000) });
    expect(convs[0]!.window_expires_at).toEqual(new Date((t + 120 + 86_400) * 1000));
    const merged = await h.db
      .selectFrom("audit_logs")
      .select(["actor", "details"])
      .where("subject_id", "=", p)
      .where("action", "=", "customer.merged")
      .executeTakeFirstOrThrow();
    expect(merged).toMatchObject({
      actor: "webhook",
      details: {
        merged_customer_id: b,
        moved_messages: 2,
        marketing_consent: { survivor: "revoked", merged: "granted", result: "revoked" },
      },
    });
  });

  it("moves a BSUID-only customer onto a new phone customer when the phone shows up, STOP kept", async () => {
    const { p, b } = ids();
    await h.processor.processBody(message({ bsuid: b, id: `wamid.N1${b}`, ts: nowS() - 90, text: "STOP" }));
    expect(await customer(p)).toBeUndefined();
    await h.processor.processBody(message({ phone: p, bsuid: b, id: `wamid.N2${b}`, ts: nowS() - 80 }));
    expect(await customer(b)).toBeUndefined();
    expect(await customer(p)).toMatchObject({ phone: p, bsuid: b, marketing_consent: "revoked" });
    const msgs = await h.db
      .selectFrom("messages")
      .select("customer_id")
      .where("wamid", "like", `wamid.N_${b}`)
      .execute();
    expect(msgs).toEqual([{ customer_id: p }, { customer_id: p }]);
    // Later messages by BSUID alone land on the phone customer.
    await h.processor.processBody(message({ bsuid: b, id: `wamid.N3${b}`, ts: nowS() - 70, text: "START" }));
    expect(await customer(b)).toBeUndefined();
    expect(await customer(p)).toMatchObject({ marketing_consent: "granted" });
  });

  it("keeps a grant over 'unknown' (no decision) when merging, and takes Meta's marketing STOP by BSUID alone", async () => {
    const { p, b } = ids();
    await h.processor.processBody(message({ phone: p, id: `wamid.G1${b}`, ts: nowS() - 90 }));
    await h.processor.processBody(message({ bsuid: b, id: `wamid.G2${b}`, ts: nowS() - 80, text: "START" }));
    await h.processor.processBody(message({ phone: p, bsuid: b, id: `wamid.G3${b}`, ts: nowS() - 70 }));
    expect(await customer(p)).toMatchObject({
      marketing_consent: "granted",
      marketing_consent_source: "inbound_keyword",
    });

    const stop = envelope("user_preferences", {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550001111", phone_number_id: PHONE_ID },
      contacts: [{ wa_id: "", user_id: b }],
      user_preferences: [
        {
          wa_id: "",
          user_id: b,
          detail: "User requested to stop marketing messages",
          category: "marketing_messages",
          value: "stop",
          timestamp: nowS() - 5,
        },
      ],
    });
    expect((await h.processor.processBody(stop)).outcomes.applied).toBe(1);
    expect(await customer(b)).toBeUndefined();
    expect(await customer(p)).toMatchObject({
      marketing_consent: "revoked",
      marketing_consent_source: "user_preferences",
    });
  });

  it("drops the cached snapshots of both ids after a merge", async () => {
    const { p, b } = ids();
    await h.processor.processBody(message({ phone: p, id: `wamid.C1${b}`, ts: nowS() - 50 }));
    await h.processor.processBody(message({ bsuid: b, id: `wamid.C2${b}`, ts: nowS() - 40, text: "STOP" }));
    await h.redis.set(`${h.prefix}cust:${p}:whatsapp`, "stale");
    await h.processor.processBody(message({ phone: p, bsuid: b, id: `wamid.C3${b}`, ts: nowS() - 30 }));
    expect(await h.redis.get(`${h.prefix}cust:${p}:whatsapp`)).not.toBe("stale");
    expect(await h.redis.exists(`${h.prefix}cust:${b}:whatsapp`)).toBe(0);
  });
});
