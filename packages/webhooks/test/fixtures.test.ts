import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCount, fixture, type Harness, harness, outbound } from "./support.js";
import { CAMPAIGN_DEFAULTS } from "./support.js";

const tdb = useTestDatabase();
let h: Harness;
beforeAll(() => void (h = harness(tdb.url, {}, false))); // the unprepared (Kysely) path
afterAll(() => h.close());

const template = (name: string, locale: string, category: "marketing" | "utility", status = "APPROVED") =>
  h.db
    .insertInto("templates")
    .values({ name, locale, category, status, parameter_count: 0, components: "[]" })
    .execute();
const campaign = (name: string, template_name: string, locale: string) =>
  h.db
    .insertInto("campaigns")
    .values({
      ...CAMPAIGN_DEFAULTS,
      name,
      type: "marketing",
      template_name,
      locale,
      scheduled_at: new Date(),
      status: "running",
      started_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();

describe("every fixture kind from packages/meta", () => {
  it("statuses (incl. BSUID recipient and a legacy status value) apply without failures", async () => {
    const out1 = await outbound(h.db, { customerId: "6281199887766", wamid: "wamid.OUT001" });
    const out2 = await outbound(h.db, { customerId: "6281199887766", wamid: "wamid.OUT002" });
    const out3 = await outbound(h.db, { customerId: "6281199887766", wamid: "wamid.OUT003" });
    await outbound(h.db, { customerId: "US.13491208655302741918", wamid: "wamid.OUT004" });
    const r = await h.processor.processBody(fixture("statuses"));
    // The legacy `deleted` status is never guessed at: parked with the body's bytes for an operator.
    expect(r.outcomes).toMatchObject({ applied: 6, parked: 1, failed: 0, deferred: 0 });
    const rows = await h.db
      .selectFrom("messages")
      .select(["id", "status", "error_code", "pricing"])
      .where("id", "in", [out1, out2, out3])
      .execute();
    const by = Object.fromEntries(rows.map((x) => [x.id, x]));
    expect(by[out1]).toMatchObject({ status: "read" });
    expect(by[out1]!.pricing).toMatchObject({ status: "delivered", pricing_model: "PMP" });
    expect(by[out2]).toMatchObject({ status: "played" });
    expect(by[out3]!.status).toBe("failed");
    expect(by[out3]!.error_code).not.toBeNull();
  });

  it("inbound messages of every type, including unknown types", async () => {
    const r = await h.processor.processBody(fixture("inbound-messages"));
    expect(r.outcomes.failed + r.outcomes.deferred).toBe(0);
    expect(r.outcomes.applied).toBe(22);
    const kinds = await h.db.selectFrom("messages").select("kind").where("direction", "=", "inbound").execute();
    expect(new Set(kinds.map((k) => k.kind))).toContain("unknown");
  });

  it("template status/category/quality: rows updated; campaigns are left to the campaign worker", async () => {
    await template("order_ready", "en_US", "utility", "PENDING");
    await template("promo_blast", "id", "marketing", "PENDING");
    await template("winback", "pt_BR", "marketing");
    await template("old_promo", "en_US", "marketing");
    const c1 = await campaign("wb", "winback", "pt_BR");
    const c2 = await campaign("op", "old_promo", "en_US");
    const c3 = await campaign("other", "order_ready", "en_US");
    const r = await h.processor.processBody(fixture("template-events"));
    expect(r.outcomes).toMatchObject({ applied: 6, failed: 0 });
    const t = Object.fromEntries((await h.db.selectFrom("templates").selectAll().execute()).map((x) => [x.name, x]));
    expect(t.order_ready).toMatchObject({
      status: "APPROVED",
      category: "marketing",
      previous_category: "utility",
      quality: "YELLOW",
      meta_id: "594425479261596",
    });
    expect(t.winback!.previous_category).toBeNull();
    expect(t.promo_blast).toMatchObject({ status: "REJECTED", rejection_reason: "INVALID_FORMAT" });
    expect(t.winback!.status).toBe("PAUSED");
    expect(t.old_promo!.status).toBe("DISABLED");
    const cs = Object.fromEntries(
      (await h.db.selectFrom("campaigns").select(["id", "status", "status_reason"]).execute()).map((x) => [x.id, x]),
    );
    // The processor writes only the templates table; the campaign sweeper pauses c1 and c2 from it (@wa/campaigns).
    expect([cs[c1.id]!.status, cs[c2.id]!.status, cs[c3.id]!.status]).toEqual(["running", "running", "running"]);
  });

  it("account and phone quality updates are stored", async () => {
    await h.db
      .insertInto("phone_numbers")
      .values({
        phone_number_id: "106540352242922",
        waba_id: "102290129340398",
        display_phone_number: "+1 555-078-3881",
        verified_name: "Shop",
        messaging_limit_tier: "TIER_100K",
      })
      .execute();
    const r = await h.processor.processBody(fixture("account-events"));
    expect(r.outcomes).toMatchObject({ applied: 4, failed: 0 });
    const p = await h.db.selectFrom("phone_numbers").selectAll().executeTakeFirstOrThrow();
    expect(p).toMatchObject({ messaging_limit_tier: "TIER_10K", throughput_mps: 1000 });
    expect(await auditCount(h.db, "account.update")).toBe(2);
    expect(await auditCount(h.db, "phone_number.quality_update")).toBe(2);
  });

  it("user preferences, system errors and odd shapes never crash and are recorded once", async () => {
    for (const name of ["user-preferences", "system-errors", "odd-shapes", "bsuid-only"]) {
      const r = await h.processor.processBody(fixture(name));
      expect(r.outcomes.failed + r.outcomes.deferred, name).toBe(0);
      const again = await h.processor.processBody(fixture(name));
      expect(again.outcomes.duplicate, name).toBe(again.events);
    }
    expect(await auditCount(h.db, "webhook.error")).toBeGreaterThan(0);
  });

  it("a body that is not a WhatsApp envelope is parked with its bytes, not thrown", async () => {
    const body = '{"object":"page","entry":[]}';
    const r = await h.processor.processBody(body);
    expect(r.outcomes.parked).toBe(1);
    const audits = await h.db
      .selectFrom("audit_logs")
      .select("subject_type")
      .where("action", "=", "webhook.dead_letter")
      .where("subject_type", "=", "webhook_body")
      .execute();
    expect(audits).toHaveLength(1);
    const dead = await h.db
      .selectFrom("webhook_dead_letters")
      .innerJoin("webhook_dead_bodies", "webhook_dead_bodies.body_sha256", "webhook_dead_letters.body_sha256")
      .select(["kind", "body"])
      .where("kind", "=", "body")
      .execute();
    expect(dead).toEqual([{ kind: "body", body: Buffer.from(body) }]);
  });
});
