import { randomBytes } from "node:crypto";
import { useTestDatabase } from "@wa/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditCount,
  CAMPAIGN_DEFAULTS,
  type Harness,
  harness,
  inboundBody,
  messageRow,
  outbound,
  permutations,
  type StatusSpec,
  statusesBody,
} from "./support.js";

// A body's plain statuses are applied set-based (src/status-batch.ts); every test compares with what applying
// the same statuses one body each (one by one, in the same order) leaves behind.
const tdb = useTestDatabase();
let h: Harness;
let h2: Harness; // a second processor on the same database (its own pools)
beforeAll(() => {
  h = harness(tdb.url);
  h2 = harness(tdb.url);
});
afterAll(async () => {
  await h.close();
  await h2.close();
});

const T = 1_760_000_000;
const FAIL = [{ code: 131026, title: "Message undeliverable", error_data: { details: "Receiver incapable" } }];
let customers = 0;
const customer = () => `62816${String(++customers).padStart(7, "0")}`;

async function campaign(name: string): Promise<string> {
  const c = await h.db
    .insertInto("campaigns")
    .values({
      ...CAMPAIGN_DEFAULTS,
      name,
      type: "marketing",
      template_name: "promo",
      scheduled_at: new Date(),
      status: "running",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return c.id;
}
const counters = (id: string) =>
  h.db
    .selectFrom("campaigns")
    .select(["sent_count", "delivered_count", "read_count", "failed_count"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

/** What a status writes on the row, without the ids that differ between twins. */
async function state(id: string) {
  const r = await messageRow(h.db, id);
  return {
    status: r.status,
    times: [r.sent_at, r.delivered_at, r.read_at, r.played_at, r.failed_at],
    error: [r.error_code, r.error_title, r.error_details, r.error_explanation],
    pricing: r.pricing,
  };
}

/**
 * Twin messages (same campaign kind): `specs(wamid)` in ONE body for the first, one body per status for the
 * second (in the same order). Returns both rows' states, both campaigns' counters and the batch's report.
 */
async function twins(specs: (wamid: string, i: number) => StatusSpec[], n = 1) {
  const [ca, cb] = [await campaign(`a${customers}`), await campaign(`b${customers}`)];
  const a: string[] = [];
  const b: string[] = [];
  const batch: StatusSpec[] = [];
  const single: StatusSpec[] = [];
  for (let i = 0; i < n; i++) {
    const [wa, wb] = [`wamid.A${customers}.${i}`, `wamid.B${customers}.${i}`];
    a.push(await outbound(h.db, { customerId: customer(), wamid: wa, campaignId: ca }));
    b.push(await outbound(h.db, { customerId: customer(), wamid: wb, campaignId: cb }));
    batch.push(...specs(wa, i));
    single.push(...specs(wb, i));
  }
  const report = await h.processor.processBody(statusesBody(batch));
  for (const s of single) await h.processor.processBody(statusesBody([s]));
  return {
    report,
    batch: await Promise.all(a.map(state)),
    single: await Promise.all(b.map(state)),
    counters: [await counters(ca), await counters(cb)],
  };
}

describe("a body's statuses applied set-based", () => {
  it("many statuses for different messages: one row each, as if applied one by one", async () => {
    const kinds = ["sent", "delivered", "read", "played", "failed"] as const;
    const r = await twins((id, i) => {
      const status = kinds[i % kinds.length]!;
      return [{ id, status, ts: T + i, pricing: i % 2 === 0, ...(status === "failed" ? { errors: FAIL } : {}) }];
    }, 50);
    expect(r.report).toMatchObject({ events: 50, pending: 0, outcomes: { applied: 50 } });
    expect(r.batch).toEqual(r.single);
    expect(r.counters[0]).toEqual(r.counters[1]);
    expect(r.batch.map((x) => x.status)).toEqual(Array.from({ length: 50 }, (_, i) => kinds[i % 5]));
  });

  it("several statuses of the same message in one body, in every order: the row of one-by-one", async () => {
    const ts = { sent: T + 1, delivered: T + 2, read: T + 3, played: T + 4, failed: T + 5 } as const;
    const orders = permutations(["sent", "delivered", "read", "played", "failed"] as const);
    for (const order of orders) {
      const before = await auditCount(h.db, "message.failed_after_delivery");
      const r = await twins((id) =>
        order.map((s) => ({
          id,
          status: s,
          ts: ts[s],
          pricing: s !== "played",
          ...(s === "failed" ? { errors: FAIL } : {}),
        })),
      );
      expect(r.report.outcomes.applied).toBe(5);
      expect(r.batch).toEqual(r.single);
      expect(r.batch[0]).toMatchObject({
        status: "played",
        times: [ts.sent, ts.delivered, ts.read, ts.played, ts.failed].map((s) => new Date(s * 1000)),
      });
      expect(r.batch[0]!.pricing).toMatchObject({ status: "read" });
      expect(r.counters[0]).toEqual(r.counters[1]);
      // failed after delivered/read/played flags the anomaly for each twin alike (body order = arrival order)
      const late =
        order.indexOf("failed") > Math.min(order.indexOf("delivered"), order.indexOf("read"), order.indexOf("played"));
      expect(await auditCount(h.db, "message.failed_after_delivery")).toBe(before + (late ? 2 : 0));
    }
  });

  it("a redelivered body (with copies inside it) is applied once, also through two processors at once", async () => {
    const ids = [await outbound(h.db, { customerId: customer(), wamid: "wamid.RD1" })];
    ids.push(await outbound(h.db, { customerId: customer(), wamid: "wamid.RD2" }));
    const body = statusesBody([
      { id: "wamid.RD1", status: "delivered", ts: T + 1 },
      { id: "wamid.RD2", status: "read", ts: T + 2 },
      { id: "wamid.RD1", status: "delivered", ts: T + 9 }, // Meta's copy: the same event key
      { id: "wamid.RD1", status: "read", ts: T + 3 },
    ]);
    const first = await h.processor.processBody(body);
    expect(first).toMatchObject({ pending: 0, outcomes: { applied: 3, duplicate: 1 } });
    const rows = await Promise.all(ids.map((id) => messageRow(h.db, id)));
    expect(rows[0]).toMatchObject({ status: "read", delivered_at: new Date((T + 1) * 1000) });
    const again = await Promise.all([h.processor.processBody(body), h2.processor.processBody(body)]);
    for (const r of again) expect(r).toMatchObject({ pending: 0, outcomes: { applied: 0, duplicate: 4 } });
    expect(await Promise.all(ids.map((id) => messageRow(h.db, id)))).toEqual(rows);
  });

  it("overlapping bodies through two processors at once end in the rows of one-by-one, each event once", async () => {
    const wamids = Array.from({ length: 40 }, (_, i) => `wamid.OV${i}`);
    const ids = await Promise.all(wamids.map((wamid) => outbound(h.db, { customerId: customer(), wamid })));
    const all = wamids.flatMap((id, i) => [
      { id, status: "delivered", ts: T + i },
      { id, status: "read", ts: T + 100 + i },
    ]);
    // Two bodies sharing half their events, applied concurrently in opposite orders, then again.
    const b1 = statusesBody(all.slice(0, 60));
    const b2 = statusesBody(all.slice(20).toReversed());
    const rs = await Promise.all([
      h.processor.processBody(b1),
      h2.processor.processBody(b2),
      h.processor.processBody(b2),
    ]);
    expect(rs.reduce((n, r) => n + r.outcomes.applied, 0)).toBe(80);
    expect(rs.every((r) => r.pending === 0)).toBe(true);
    for (const [i, id] of ids.entries())
      expect(await messageRow(h.db, id)).toMatchObject({
        status: "read",
        delivered_at: new Date((T + i) * 1000),
        read_at: new Date((T + 100 + i) * 1000),
      });
  });

  it("the plain statuses of bodies applied at once share a statement; each body gets its own report", async () => {
    const pool = new pg.Pool({ connectionString: tdb.url, max: 4 });
    let statements = 0;
    const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
    pool.query = ((...a: unknown[]) => {
      if ((a[0] as { name?: string }).name?.startsWith("wa_webhook_status_batch")) statements += 1;
      return query(...a);
    }) as typeof pool.query;
    const hp = harness(tdb.url, { pool });
    try {
      const wamids = Array.from({ length: 30 }, (_, i) => `wamid.CO${i}`);
      const ids = await Promise.all(wamids.map((wamid) => outbound(h.db, { customerId: customer(), wamid })));
      const bodies = Array.from({ length: 6 }, (_, b) =>
        statusesBody(wamids.slice(b * 5, b * 5 + 5).map((id, i) => ({ id, status: "delivered", ts: T + b * 5 + i }))),
      );
      const reports = await Promise.all(bodies.map((body) => hp.processor.processBody(body)));
      for (const r of reports) expect(r).toMatchObject({ events: 5, pending: 0, outcomes: { applied: 5 } });
      expect(statements).toBeLessThan(bodies.length);
      for (const [i, id] of ids.entries())
        expect(await messageRow(h.db, id)).toMatchObject({
          status: "delivered",
          delivered_at: new Date((T + i) * 1000),
        });
    } finally {
      await hp.close();
      await pool.end();
    }
  });

  it("a body mixing statuses, a 131050 failure and an inbound message applies each as alone", async () => {
    const optedOut = customer();
    await h.db.insertInto("customers").values({ customer_id: optedOut, marketing_consent: "granted" }).execute();
    const stop = await outbound(h.db, { customerId: optedOut, wamid: "wamid.MX.STOP" });
    const others = [await outbound(h.db, { customerId: customer(), wamid: "wamid.MX1" })];
    others.push(await outbound(h.db, { customerId: customer(), wamid: "wamid.MX2" }));
    const statuses = JSON.parse(
      statusesBody([
        { id: "wamid.MX1", status: "delivered", ts: T + 1 },
        { id: "wamid.MX.STOP", status: "failed", ts: T + 2, errors: [{ code: 131050, title: "Unable to deliver" }] },
        { id: "wamid.MX2", status: "read", ts: T + 3 },
      ]),
    );
    const inbound = JSON.parse(inboundBody([{ from: "6281600099999", id: "wamid.MX.IN", ts: T + 4, text: "hello" }]));
    Object.assign(statuses.entry[0].changes[0].value, {
      contacts: inbound.entry[0].changes[0].value.contacts,
      messages: inbound.entry[0].changes[0].value.messages,
    });
    const body = JSON.stringify(statuses);
    expect(await h.processor.processBody(body)).toMatchObject({ events: 4, pending: 0, outcomes: { applied: 4 } });
    expect(await messageRow(h.db, stop)).toMatchObject({ status: "failed", error_code: 131050 });
    expect((await Promise.all(others.map((id) => messageRow(h.db, id)))).map((r) => r.status)).toEqual([
      "delivered",
      "read",
    ]);
    const c = await h.db
      .selectFrom("customers")
      .select(["marketing_consent", "marketing_consent_source"])
      .where("customer_id", "=", optedOut)
      .executeTakeFirstOrThrow();
    expect(c).toEqual({ marketing_consent: "revoked", marketing_consent_source: "meta_opt_out" });
    const inRow = await h.db
      .selectFrom("messages")
      .select("direction")
      .where("wamid", "=", "wamid.MX.IN")
      .executeTakeFirst();
    expect(inRow).toEqual({ direction: "inbound" });
    expect(await h.processor.processBody(body)).toMatchObject({ pending: 0, outcomes: { applied: 0, duplicate: 4 } });
  });

  it("an unknown wamid is deferred while the others apply; redelivered, then parked on the last attempt", async () => {
    const ids = [await outbound(h.db, { customerId: customer(), wamid: "wamid.UK1" })];
    ids.push(await outbound(h.db, { customerId: customer(), wamid: "wamid.UK2" }));
    const body = statusesBody([
      { id: "wamid.UK1", status: "delivered", ts: T + 1 },
      { id: "wamid.UK.NOPE", status: "delivered", ts: T + 2 },
      { id: "wamid.UK2", status: "read", ts: T + 3 },
    ]);
    expect(await h.processor.processBody(body)).toMatchObject({ pending: 1, outcomes: { applied: 2, deferred: 1 } });
    expect((await Promise.all(ids.map((id) => messageRow(h.db, id)))).map((r) => r.status)).toEqual([
      "delivered",
      "read",
    ]);
    expect(await h.processor.processBody(body)).toMatchObject({ pending: 1, outcomes: { duplicate: 2, deferred: 1 } });
    expect(await h.processor.processBody(body, { final: true })).toMatchObject({
      pending: 0,
      outcomes: { duplicate: 2, parked: 1 },
    });
    expect(await h.processor.processBody(body)).toMatchObject({ pending: 0, outcomes: { duplicate: 3 } });
  });

  it("a status Postgres refuses does not fail its neighbours (the statement is re-run status by status)", async () => {
    const late = await outbound(h.db, { customerId: customer(), wamid: null, status: "sending" });
    const ok = await outbound(h.db, { customerId: customer(), wamid: "wamid.PZ1" });
    const huge = `wamid.${randomBytes(50_000).toString("hex")}`; // too big for the wamid index once stored
    const body = statusesBody([
      { id: huge, status: "sent", ts: T + 1, biz: late },
      { id: "wamid.PZ1", status: "delivered", ts: T + 2 },
    ]);
    expect(await h.processor.processBody(body)).toMatchObject({ pending: 1, outcomes: { applied: 1, failed: 1 } });
    expect(await messageRow(h.db, ok)).toMatchObject({ status: "delivered" });
    expect(await messageRow(h.db, late)).toMatchObject({ status: "sending", wamid: null });
  });

  it("two wamids naming the same id by biz_opaque_callback_data: the first wins, the second waits like alone", async () => {
    const id = await outbound(h.db, { customerId: customer(), wamid: null, status: "sending" });
    const body = statusesBody([
      { id: "wamid.OP1", status: "sent", ts: T + 1, biz: id },
      { id: "wamid.OP2", status: "delivered", ts: T + 2, biz: id },
    ]);
    expect(await h.processor.processBody(body)).toMatchObject({ pending: 1, outcomes: { applied: 1, deferred: 1 } });
    expect(await messageRow(h.db, id)).toMatchObject({ wamid: "wamid.OP1", status: "sent" });
  });
});
