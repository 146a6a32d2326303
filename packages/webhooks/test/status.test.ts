import { explainMetaError } from "@wa/meta";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCount, type Harness, harness, messageRow, outbound, permutations, statusesBody } from "./support.js";
import { CAMPAIGN_DEFAULTS } from "./support.js";

const tdb = useTestDatabase();
let h: Harness;
beforeAll(() => void (h = harness(tdb.url)));
afterAll(() => h.close());

const T = 1_760_000_000;
const at = (s: number) => new Date(s * 1000);

describe("status webhooks", () => {
  it("end in the same row for every arrival order of sent, delivered, read (pricing from the highest status)", async () => {
    const orders = permutations(["sent", "delivered", "read"] as const);
    const finals = [];
    for (const [i, order] of orders.entries()) {
      const wamid = `wamid.PERM${i}`;
      const id = await outbound(h.db, { customerId: `62812000000${i}`, wamid });
      const ts = { sent: T + 1, delivered: T + 2, read: T + 3 };
      for (const s of order) {
        const r = await h.processor.processBody(
          statusesBody([{ id: wamid, status: s, ts: ts[s], pricing: s !== "delivered" }]),
        );
        expect(r.outcomes.applied).toBe(1);
      }
      const row = await messageRow(h.db, id);
      finals.push({
        status: row.status,
        sent: row.sent_at,
        delivered: row.delivered_at,
        read: row.read_at,
        pricing: row.pricing,
      });
    }
    for (const f of finals) {
      expect(f).toEqual({
        status: "read",
        sent: at(T + 1),
        delivered: at(T + 2),
        read: at(T + 3),
        pricing: { billable: true, pricing_model: "PMP", type: "regular", category: "marketing", status: "read" },
      });
    }
  });

  it("read without delivered sets delivered; a late delivered changes only its timestamp", async () => {
    const id = await outbound(h.db, { customerId: "628120000100", wamid: "wamid.RND" });
    await h.processor.processBody(
      statusesBody([
        { id: "wamid.RND", status: "sent", ts: T },
        { id: "wamid.RND", status: "read", ts: T + 10 },
      ]),
    );
    let row = await messageRow(h.db, id);
    expect(row.status).toBe("read");
    expect(row.delivered_at).toEqual(at(T + 10));
    await h.processor.processBody(statusesBody([{ id: "wamid.RND", status: "delivered", ts: T + 4 }]));
    row = await messageRow(h.db, id);
    expect(row.status).toBe("read");
    expect(row.delivered_at).toEqual(at(T + 4));
    expect(row.read_at).toEqual(at(T + 10));
  });

  it("played follows read and implies everything before it", async () => {
    const id = await outbound(h.db, { customerId: "628120000101", wamid: "wamid.PLAY" });
    await h.processor.processBody(
      statusesBody([
        { id: "wamid.PLAY", status: "played", ts: T + 9 },
        { id: "wamid.PLAY", status: "read", ts: T + 5 },
      ]),
    );
    const row = await messageRow(h.db, id);
    expect(row.status).toBe("played");
    expect([row.sent_at, row.delivered_at, row.read_at, row.played_at]).toEqual([
      at(T + 5),
      at(T + 5),
      at(T + 5),
      at(T + 9),
    ]);
  });

  it("failed stores the code and the catalog's explanation and moves campaign counters", async () => {
    const c = await h.db
      .insertInto("campaigns")
      .values({
        ...CAMPAIGN_DEFAULTS,
        name: "c1",
        type: "marketing",
        template_name: "promo",
        scheduled_at: new Date(),
        status: "running",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const id = await outbound(h.db, { customerId: "628120000102", wamid: "wamid.FAIL", campaignId: c.id });
    const errors = [{ code: 131026, title: "Message undeliverable", error_data: { details: "Receiver incapable" } }];
    const r = await h.processor.processBody(statusesBody([{ id: "wamid.FAIL", status: "failed", ts: T + 3, errors }]));
    expect(r.outcomes.applied).toBe(1);
    const row = await messageRow(h.db, id);
    expect(row).toMatchObject({
      status: "failed",
      error_code: 131026,
      error_title: "Message undeliverable",
      error_details: "Receiver incapable",
    });
    expect(row.error_explanation).toBe(explainMetaError(131026, "Receiver incapable").human_explanation);
    expect(row.failed_at).toEqual(at(T + 3));
    const camp = await h.db
      .selectFrom("campaigns")
      .select(["failed_count"])
      .where("id", "=", c.id)
      .executeTakeFirstOrThrow();
    expect(camp.failed_count).toBe(1);
  });

  it("failed after delivered keeps delivered, records the error and flags the anomaly, in either order", async () => {
    const a = await outbound(h.db, { customerId: "628120000103", wamid: "wamid.FD1" });
    const b = await outbound(h.db, { customerId: "628120000104", wamid: "wamid.FD2" });
    const errors = [{ code: 131000, title: "Something went wrong" }];
    await h.processor.processBody(statusesBody([{ id: "wamid.FD1", status: "delivered", ts: T + 2 }]));
    await h.processor.processBody(statusesBody([{ id: "wamid.FD1", status: "failed", ts: T + 3, errors }]));
    await h.processor.processBody(statusesBody([{ id: "wamid.FD2", status: "failed", ts: T + 3, errors }]));
    await h.processor.processBody(statusesBody([{ id: "wamid.FD2", status: "delivered", ts: T + 2 }]));
    const ra = await messageRow(h.db, a);
    const rb = await messageRow(h.db, b);
    for (const r of [ra, rb])
      expect(r).toMatchObject({ status: "delivered", error_code: 131000, failed_at: at(T + 3) });
    expect(await auditCount(h.db, "message.failed_after_delivery")).toBe(1);
  });

  it("matches by biz_opaque_callback_data when the wamid is not stored yet, and fills it in", async () => {
    const id = await outbound(h.db, { customerId: "628120000105", wamid: null, status: "sending" });
    const r = await h.processor.processBody(statusesBody([{ id: "wamid.LATE", status: "sent", ts: T, biz: id }]));
    expect(r.outcomes.applied).toBe(1);
    expect(await messageRow(h.db, id)).toMatchObject({ wamid: "wamid.LATE", status: "sent", sent_at: at(T) });
  });

  it("a failed status with 131050 (the user stopped marketing in WhatsApp) revokes marketing consent, once", async () => {
    const customerId = "628120000131";
    await h.db
      .insertInto("customers")
      .values({ customer_id: customerId, marketing_consent: "granted", marketing_consent_source: "web form" })
      .execute();
    await outbound(h.db, { customerId, wamid: "wamid.OPTOUT" });
    const errors = [
      {
        code: 131050,
        title:
          "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
      },
    ];
    const body = statusesBody([{ id: "wamid.OPTOUT", status: "failed", ts: T + 4, errors }]);
    expect((await h.processor.processBody(body)).outcomes.applied).toBe(1);
    const c = await h.db
      .selectFrom("customers")
      .select(["marketing_consent", "marketing_consent_source"])
      .where("customer_id", "=", customerId)
      .executeTakeFirstOrThrow();
    expect(c).toEqual({ marketing_consent: "revoked", marketing_consent_source: "meta_opt_out" });
    expect((await h.processor.processBody(body)).outcomes.duplicate).toBe(1);
    const audits = await h.db.selectFrom("audit_logs").select("action").where("subject_id", "=", customerId).execute();
    expect(audits.filter((a) => a.action.includes("consent"))).toHaveLength(1);
  });

  it("a failed status with 131049 (per-user marketing limit, US pause) limits the customer's marketing for 24 h", async () => {
    const customerId = "628120000149";
    await outbound(h.db, { customerId, wamid: "wamid.LIMIT" });
    const errors = [
      { code: 131049, title: "This message was not delivered to maintain healthy ecosystem engagement." },
    ];
    const body = statusesBody([{ id: "wamid.LIMIT", status: "failed", ts: T + 4, errors }]);
    expect((await h.processor.processBody(body)).outcomes.applied).toBe(1);
    const limited = async () =>
      (
        await h.db
          .selectFrom("customers")
          .select("marketing_limited_until")
          .where("customer_id", "=", customerId)
          .executeTakeFirstOrThrow()
      ).marketing_limited_until;
    expect(await limited()).toEqual(at(T + 4 + 24 * 3600)); // from Meta's timestamp, not from receipt
    // An older failure (out of order) never shortens it; a redelivery is applied once.
    await outbound(h.db, { customerId, wamid: "wamid.LIMIT.OLD" });
    const older = statusesBody([{ id: "wamid.LIMIT.OLD", status: "failed", ts: T - 3600, errors }]);
    expect((await h.processor.processBody(older)).outcomes.applied).toBe(1);
    expect(await limited()).toEqual(at(T + 4 + 24 * 3600));
    expect((await h.processor.processBody(body)).outcomes.duplicate).toBe(1);
    const audits = await h.db
      .selectFrom("audit_logs")
      .select(["actor", "details"])
      .where("subject_id", "=", customerId)
      .where("action", "=", "customer.marketing_limited")
      .execute();
    expect(audits).toHaveLength(2);
    expect(audits[0]).toMatchObject({ actor: "webhook", details: { code: 131049 } });
  });

  it("defers a status for an unknown message, then parks it in the dead letter on the last attempt", async () => {
    const body = statusesBody([{ id: "wamid.NOPE", status: "delivered", ts: T }]);
    const first = await h.processor.processBody(body);
    expect(first).toMatchObject({ pending: 1, outcomes: { deferred: 1 } });
    const last = await h.processor.processBody(body, { final: true });
    expect(last).toMatchObject({ pending: 0, outcomes: { parked: 1 } });
    expect(await auditCount(h.db, "webhook.dead_letter")).toBe(1);
    const dead = await h.db.selectFrom("webhook_dead_letters").selectAll().execute();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ kind: "status" });
    expect(dead[0]?.error).toBeTruthy();
    expect(JSON.stringify(dead[0]?.event)).toContain("wamid.NOPE");
    const again = await h.processor.processBody(body);
    expect(again.outcomes.duplicate).toBe(1);
  });

  it("applies a redelivered body once", async () => {
    const id = await outbound(h.db, { customerId: "628120000106", wamid: "wamid.DUP" });
    const body = statusesBody([
      { id: "wamid.DUP", status: "delivered", ts: T + 1 },
      { id: "wamid.DUP", status: "read", ts: T + 2 },
    ]);
    const r1 = await h.processor.processBody(body);
    const before = await messageRow(h.db, id);
    const r2 = await h.processor.processBody(body);
    const r3 = await Promise.all([h.processor.processBody(body), h.processor.processBody(body)]);
    expect(r1.outcomes.applied).toBe(2);
    expect(r2.outcomes.duplicate).toBe(2);
    expect(r3.map((r) => r.outcomes.duplicate)).toEqual([2, 2]);
    expect(await messageRow(h.db, id)).toEqual(before);
  });
});
