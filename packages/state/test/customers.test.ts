import { describe, expect, it } from "vitest";
import { createStateStore } from "../src/index.js";
import { phone, useStateEnv } from "./helpers.js";

const env = useStateEnv();
const T0 = Date.parse("2025-06-01T10:00:00Z");
const store = () => createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => T0 });

async function auditRows(subjectId: string) {
  return env.db.selectFrom("audit_logs").selectAll().where("subject_id", "=", subjectId).orderBy("id").execute();
}

describe("customers", () => {
  it("upserts by (channel, customer_id) and derives country and timezone from the number", async () => {
    const s = store();
    const cases = [
      { id: phone("62"), country: "ID", timezone: "Asia/Jakarta" },
      { id: "12125550123", country: "US", timezone: "America/New_York" },
      { id: "447911123456", country: "GB", timezone: "Europe/London" },
      { id: "4915112345678", country: "DE", timezone: "Europe/Berlin" },
      { id: "61412345678", country: "AU", timezone: "Australia/Sydney" },
    ];
    for (const c of cases) {
      const customer = await s.upsertCustomer({ customerId: c.id }, { displayName: "Ann" });
      expect(customer).toMatchObject({
        customerId: c.id,
        channel: "whatsapp",
        phone: c.id,
        country: c.country,
        timezone: c.timezone,
      });
      expect(customer.consent.marketing).toEqual({ status: "unknown", source: null, at: null });
    }
    const again = await s.upsertCustomer({ customerId: cases[0]!.id });
    expect(again.displayName).toBe("Ann"); // a later upsert without a name keeps it
    const n = await env.db
      .selectFrom("customers")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("customer_id", "=", cases[0]!.id)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
  });

  it("supports customers known only by a BSUID, and records the BSUID of a phone customer", async () => {
    const s = store();
    const bsuid = `US.${Date.now()}${process.pid}`;
    const byBsuid = await s.upsertCustomer({ customerId: bsuid });
    expect(byBsuid).toMatchObject({
      customerId: bsuid,
      bsuid,
      phone: null,
      country: "US",
      timezone: "America/New_York",
    });
    const id = phone("44");
    const both = await s.upsertCustomer({ customerId: id }, { bsuid: `GB.${Date.now()}` });
    expect(both).toMatchObject({ customerId: id, phone: id, country: "GB" });
    expect(both.bsuid).toMatch(/^GB\./);
    await expect(s.upsertCustomer({ customerId: "+62 811" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("revokes and grants consent per category, with one audit row per change in the same transaction", async () => {
    const s = store();
    const id = phone();
    const revoked = await s.setConsent(
      { customerId: id },
      { marketing: "revoked" },
      { source: "inbound_keyword", actor: "webhook", details: { keyword: "STOP" } },
    );
    expect(revoked.changed).toEqual(["marketing"]);
    expect(revoked.customer.consent.marketing).toEqual({
      status: "revoked",
      source: "inbound_keyword",
      at: new Date(T0),
    });
    expect(revoked.customer.consent.utility.status).toBe("unknown");

    const same = await s.setConsent({ customerId: id }, { marketing: "revoked" }, { source: "agent" });
    expect(same.changed).toEqual([]); // no change, no audit, source kept
    expect(same.customer.consent.marketing.source).toBe("inbound_keyword");

    const granted = await s.setConsent(
      { customerId: id },
      { marketing: "granted", utility: "granted" },
      { source: "web form 2025-06" },
    );
    expect(granted.changed).toEqual(["marketing", "utility"]);

    const rows = await auditRows(id);
    expect(
      rows.map((r) => [r.actor, r.action, r.details.category, r.details.from, r.details.to, r.details.source]),
    ).toEqual([
      ["webhook", "consent.updated", "marketing", "unknown", "revoked", "inbound_keyword"],
      ["agent", "consent.updated", "marketing", "revoked", "granted", "web form 2025-06"],
      ["agent", "consent.updated", "utility", "unknown", "granted", "web form 2025-06"],
    ]);
    expect(rows[0]!.details.keyword).toBe("STOP");
    expect((await s.getCustomer({ customerId: id }))?.consent.marketing.status).toBe("granted"); // cache written through
  });

  it("rejects a consent change without a source or with an unknown value", async () => {
    const s = store();
    await expect(
      s.setConsent({ customerId: phone() }, { marketing: "granted" }, { source: " " }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(
      s.setConsent({ customerId: phone() }, { marketing: "yes" as never }, { source: "api" }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("adds and removes tags, validates them and audits changes", async () => {
    const s = store();
    const id = phone();
    const added = await s.updateTags({ customerId: id }, { add: ["vip", "newsletter-2025", "vip"] });
    expect(added).toMatchObject({ ok: true, customer: { tags: ["newsletter-2025", "vip"] } });
    const removed = await s.updateTags({ customerId: id }, { add: ["churn_risk"], remove: ["vip", "absent"] });
    expect(removed).toMatchObject({ ok: true, customer: { tags: ["churn_risk", "newsletter-2025"] } });
    const bad = await s.updateTags({ customerId: id }, { add: ["VIP", "a".repeat(41), "ok", "with space"] });
    expect(bad).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
    if (!bad.ok) expect(bad.human_explanation).toContain('"VIP"');
    const unchanged = await s.updateTags({ customerId: id }, { add: ["churn_risk"] });
    expect(unchanged.ok).toBe(true);
    const rows = (await auditRows(id)).filter((r) => r.action === "customer.tags_updated");
    expect(rows).toHaveLength(2);
    expect((await s.getCustomer({ customerId: id }))?.tags).toEqual(["churn_risk", "newsletter-2025"]);
  });

  it("answers null for an unknown customer and caches that briefly without hiding a later upsert", async () => {
    const s = store();
    const id = phone();
    expect(await s.getCustomer({ customerId: id })).toBeNull();
    expect(await env.redis.get(`${env.prefix}cust:${id}:whatsapp`)).toBe('{"v":0,"c":null}');
    await s.upsertCustomer({ customerId: id });
    expect((await s.getCustomer({ customerId: id }))?.customerId).toBe(id);
  });

  it("never lets an older write overwrite a newer snapshot", async () => {
    const s = store();
    const id = phone();
    await s.upsertCustomer({ customerId: id });
    const key = `${env.prefix}cust:${id}:whatsapp`;
    const cached = JSON.parse((await env.redis.get(key))!) as { v: number; c: { mc: unknown[] } };
    // another process wrote a newer snapshot (revoked); our next write carries an older version
    cached.v += 1e12;
    cached.c.mc = ["revoked", "inbound_keyword", T0];
    await env.redis.set(key, JSON.stringify(cached), "PX", 60_000);
    await s.upsertCustomer({ customerId: id }, { displayName: "Late" });
    expect((await s.getCustomer({ customerId: id }))?.consent.marketing.status).toBe("revoked");
  });
});
