import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeProgress, getCampaign, type MessageCounts } from "../src/index.js";
import { insertCampaign, insertMessages, openTestDb, seedCustomers, sql } from "./support.js";

const zero: MessageCounts = {
  total: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  cancelled: 0,
  pending: 0,
  held: 0,
  heldUntil: null,
};
const t0 = Date.parse("2026-03-01T10:00:00Z");

describe("computeProgress", () => {
  const base = {
    status: "running" as const,
    audience_count: 100,
    enqueued_count: 0,
    skipped_by_reason: {},
    fanout_done: false,
    started_at: new Date(t0),
  };

  it("is 0 before anything happened and 100 when completed", () => {
    expect(computeProgress({ ...base, started_at: null, status: "scheduled" }, zero, null, t0, 80)).toMatchObject({
      pct: 0,
      eta: null,
      visited: 0,
    });
    expect(
      computeProgress(
        { ...base, status: "completed", fanout_done: true, enqueued_count: 100 },
        { ...zero, total: 100, sent: 100 },
        null,
        t0,
        80,
      ).pct,
    ).toBe(100);
  });

  it("counts skipped recipients and messages out of our hands as done, and extrapolates an ETA", () => {
    const p = computeProgress(
      { ...base, enqueued_count: 40, skipped_by_reason: { no_opt_in: 10 } },
      { ...zero, total: 40, sent: 30, pending: 10 },
      null,
      t0 + 40_000,
      80,
    );
    expect(p).toMatchObject({ pct: 40, visited: 50, pending: 10 });
    // 40 done in 40 s → 60 left at 1/s
    expect(p.eta).toBe(new Date(t0 + 100_000).toISOString());
  });

  it("never promises before held messages' deliver_at or the tier window", () => {
    const held = computeProgress(
      { ...base, enqueued_count: 100, fanout_done: true },
      { ...zero, total: 100, sent: 90, pending: 10, held: 10, heldUntil: t0 + 3600_000 },
      null,
      t0 + 10_000,
      80,
    );
    expect(held).toMatchObject({ pct: 90, held_for_quiet_hours: 10, eta: new Date(t0 + 3600_000).toISOString() });
    const waiting = {
      reason: "messaging_limit" as const,
      tier: "TIER_250",
      limit: 250,
      used: 250,
      resumes_at: new Date(t0 + 7200_000).toISOString(),
      explanation: "",
    };
    const w = computeProgress(
      { ...base, enqueued_count: 50 },
      { ...zero, total: 50, sent: 50 },
      waiting,
      t0 + 50_000,
      80,
    );
    expect(Date.parse(w.eta!)).toBe(t0 + 7200_000 + 50_000);
    expect(w.waiting?.tier).toBe("TIER_250");
  });

  it("bounds the ETA by the per-number send rate", () => {
    const p = computeProgress(
      { ...base, enqueued_count: 100, fanout_done: true },
      { ...zero, total: 100, pending: 100 },
      null,
      t0 + 1000,
      10,
    );
    expect(p.eta).toBe(new Date(t0 + 1000 + 10_000).toISOString());
  });
});

describe("getCampaign", () => {
  let h: Awaited<ReturnType<typeof import("./support.js").openTestDb>>;
  beforeAll(async () => {
    h = await openTestDb();
    await seedCustomers(
      h.db,
      Array.from({ length: 7 }, (_, i) => ({ customer_id: `628130000000${i}` })),
    );
  });
  afterAll(async () => h?.close());

  it("reads message counters from the rows and reports the waiting reason", async () => {
    const id = await insertCampaign(h.db, { status: "running" });
    await insertMessages(h.db, id, [
      { customer_id: "6281300000000", status: "queued" },
      { customer_id: "6281300000001", status: "sent" },
      { customer_id: "6281300000002", status: "delivered" },
      { customer_id: "6281300000003", status: "read" },
      { customer_id: "6281300000004", status: "failed" },
      { customer_id: "6281300000005", status: "failed", sent_at: new Date() }, // late failure after sent
      { customer_id: "6281300000006", status: "scheduled" },
    ]);
    await h.db
      .updateTable("campaigns")
      .set({
        started_at: new Date(Date.now() - 60_000),
        audience_count: 9,
        enqueued_count: 7,
        skipped_by_reason: JSON.stringify({ opted_out: 2 }),
        status_reason: "waiting_messaging_limit TIER_250 until 2026-01-01T00:00:00.000Z",
      })
      .where("id", "=", id)
      .execute();
    const v = await getCampaign({ db: h.db }, id);
    expect(v).toMatchObject({
      ok: true,
      campaign_id: id,
      status: "running",
      counters: {
        audience: 9,
        enqueued: 7,
        skipped_by_reason: { opted_out: 2 },
        sent: 4,
        delivered: 2,
        read: 1,
        failed: 2,
        cancelled: 0,
      },
      progress: {
        visited: 9,
        pending: 2,
        held_for_quiet_hours: 1,
        waiting: { reason: "messaging_limit", tier: "TIER_250", limit: 250, used: 5 },
      },
    });
    if (v.ok) {
      expect(v.progress_pct).toBe(Math.floor((1000 * 7) / 9) / 10);
      expect(v.progress.waiting?.explanation).toMatch(/TIER_250/);
      expect(v.timestamps.started_at).not.toBeNull();
    }
    expect(await getCampaign({ db: h.db }, "00000000-0000-4000-8000-000000000000")).toMatchObject({
      ok: false,
      reason_code: "NOT_FOUND",
    });
    void sql;
  });
});
