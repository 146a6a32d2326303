// The fan-out engine's mechanics (cursor, exact counters, halts, faults, pauses, tier waits) with a small
// row-writing send port. The real send path (@wa/messaging) runs in test/fan-out-messaging.test.ts and in
// apps/campaign-worker's end-to-end tests.
import type { Db } from "@wa/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cancelCampaign,
  completeIfDone,
  createCampaignSweeper,
  getCampaign,
  pauseCampaign,
  perRecipient,
  resumeCampaign,
  runFanOut,
  type EnqueueRecipient,
  type FanOutDeps,
  type RecipientOutcome,
  type TierSource,
} from "../src/index.js";
import { insertCampaign, openTestDb, seedCustomers, seedTemplates, silentLog, sql, type TestDb } from "./support.js";

let h: TestDb;
const N = 230;
const unlimited: TierSource = async () => ({ name: "TIER_UNLIMITED", limit: Number.POSITIVE_INFINITY });

beforeAll(async () => {
  h = await openTestDb();
  await seedTemplates(h.db);
  await seedCustomers(
    h.db,
    Array.from({ length: N }, (_, i) => ({
      customer_id: `62815${String(i).padStart(8, "0")}`,
      tags: i % 10 === 0 ? ["deny_opted_out"] : i % 7 === 0 ? ["deny_no_opt_in"] : ["vip"],
    })),
  );
});
afterAll(async () => h?.close());

/** Denies by tag, otherwise inserts a queued row keyed by the idempotency key (a replay finds it). */
function rowEnqueue(
  db: Db,
  hooks: { before?: (customerId: string) => RecipientOutcome | "throw" | undefined } = {},
): EnqueueRecipient {
  return async (s) => {
    const hook = hooks.before?.(s.customerId);
    if (hook === "throw") throw new Error("postgres went away");
    if (hook) return hook;
    const c = await db
      .selectFrom("customers")
      .select("tags")
      .where("customer_id", "=", s.customerId)
      .executeTakeFirstOrThrow();
    const deny = c.tags.find((t) => t.startsWith("deny_"));
    if (deny) return { kind: "skipped", reason: deny.slice(5) as "opted_out", reasonCode: "X" };
    const ins = await db
      .insertInto("messages")
      .values({
        customer_id: s.customerId,
        direction: "outbound",
        category: s.category,
        kind: "template",
        content: JSON.stringify({ template: s.templateName }),
        status: "queued",
        campaign_id: s.campaignId,
        idempotency_key: s.idempotencyKey,
      })
      .onConflict((oc) => oc.column("idempotency_key").where("idempotency_key", "is not", null).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (ins) return { kind: "enqueued", messageId: ins.id, held: false, created: true };
    const old = await db
      .selectFrom("messages")
      .select("id")
      .where("idempotency_key", "=", s.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { kind: "enqueued", messageId: old.id, held: false, created: false };
  };
}

const deps = (over: Partial<FanOutDeps> = {}): FanOutDeps => ({
  db: h.db,
  send: perRecipient(rowEnqueue(h.db), 8),
  tier: unlimited,
  log: silentLog,
  pageSize: 50,
  ...over,
});
const row = (id: string) => h.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const skippedExpected = { opted_out: 23, no_opt_in: 29 }; // i%10==0: 23; i%7==0 && i%10!=0: 33 - 4
const eligible = N - 52;

async function assertExact(id: string): Promise<void> {
  const c = await row(id);
  const rows = await h.db
    .selectFrom("messages")
    .select([(eb) => eb.fn.countAll<string>().as("n"), sql<string>`count(DISTINCT customer_id)`.as("d")])
    .where("campaign_id", "=", id)
    .executeTakeFirstOrThrow();
  expect(Number(rows.n)).toBe(eligible);
  expect(Number(rows.d)).toBe(eligible);
  expect(c).toMatchObject({
    fanout_done: true,
    enqueued_count: eligible,
    audience_count: N,
    skipped_by_reason: skippedExpected,
  });
}

describe("runFanOut", () => {
  it("fans a whole audience out in pages, exactly, then completes once every message is out of our hands", async () => {
    const id = await insertCampaign(h.db);
    const pages: number[] = [];
    const r = await runFanOut(deps({ onRecipients: (o, n) => o === "enqueued" && pages.push(n) }), {
      campaignId: id,
      run: 0,
    });
    expect(r).toEqual({ outcome: "done", completed: false });
    await assertExact(id);
    expect((await row(id)).status).toBe("running");
    expect((await row(id)).cursor).toBe(`62815${String(N - 1).padStart(8, "0")}`);
    expect(pages.length).toBe(5);
    await h.db
      .updateTable("messages")
      .set({ status: "sent", sent_at: new Date() })
      .where("campaign_id", "=", id)
      .execute();
    expect(await completeIfDone(h.db, id, Date.now())).toBe(true);
    const v = await getCampaign({ db: h.db }, id);
    expect(v).toMatchObject({
      ok: true,
      status: "completed",
      progress_pct: 100,
      counters: { sent: eligible, enqueued: eligible },
    });
  });

  it("replays a page after a fault without enqueuing anyone twice", async () => {
    const id = await insertCampaign(h.db);
    let failed = false;
    const flaky = rowEnqueue(h.db, {
      before: (c) => (!failed && c.endsWith("00000120") ? ((failed = true), "throw") : undefined),
    });
    const first = await runFanOut(deps({ send: perRecipient(flaky, 8) }), { campaignId: id, run: 0 });
    expect(first.outcome).toBe("fault");
    const mid = await row(id);
    expect(mid.cursor! < "6281500000120").toBe(true);
    expect(await runFanOut(deps({ send: perRecipient(flaky, 8) }), { campaignId: id, run: 0 })).toMatchObject({
      outcome: "done",
    });
    await assertExact(id);
  });

  it("stops before a recipient whose send says the template cannot go, pausing the campaign", async () => {
    const id = await insertCampaign(h.db);
    let halted = false;
    const halting = rowEnqueue(h.db, {
      before: (c) =>
        !halted && c.endsWith("00000077")
          ? ((halted = true), { kind: "halt", reasonCode: "TEMPLATE_NOT_APPROVED", explanation: "paused" })
          : undefined,
    });
    expect(await runFanOut(deps({ send: perRecipient(halting, 8) }), { campaignId: id, run: 0 })).toEqual({
      outcome: "stopped",
      status: "paused",
    });
    expect(await row(id)).toMatchObject({ status: "paused", status_reason: "template_not_approved" });
    expect((await row(id)).cursor! < "6281500000077").toBe(true);
    expect(await resumeCampaign({ db: h.db }, id)).toMatchObject({ ok: true, status: "running" });
    expect(await runFanOut(deps({ send: perRecipient(halting, 8) }), { campaignId: id, run: 1 })).toMatchObject({
      outcome: "done",
    });
    await assertExact(id);
  });

  it("lets a pause land between pages, ignores the old run, and resumes from the cursor", async () => {
    const id = await insertCampaign(h.db);
    let pausing: Promise<unknown> | null = null;
    const d = deps({ onRecipients: () => void (pausing ??= pauseCampaign({ db: h.db }, id)) });
    expect(await runFanOut(d, { campaignId: id, run: 0 })).toEqual({ outcome: "stopped", status: "paused" });
    await pausing;
    const paused = await row(id);
    const visited = paused.enqueued_count + Object.values(paused.skipped_by_reason).reduce((a, b) => a + b, 0);
    expect(visited % 50).toBe(0); // on a page boundary (the pause waited for the page in flight)
    expect(visited).toBeLessThan(N);
    await resumeCampaign({ db: h.db }, id);
    expect(await runFanOut(deps(), { campaignId: id, run: 0 })).toEqual({ outcome: "stale" });
    expect(await runFanOut(deps(), { campaignId: id, run: 1 })).toMatchObject({ outcome: "done" });
    await assertExact(id);
  });

  it("stops at once when cancelled, leaving nothing sendable", async () => {
    const id = await insertCampaign(h.db);
    let cancelling: Promise<unknown> | null = null;
    const d = deps({ onRecipients: () => void (cancelling ??= cancelCampaign({ db: h.db }, id)) });
    expect(await runFanOut(d, { campaignId: id, run: 0 })).toEqual({ outcome: "stopped", status: "cancelled" });
    const enqueued = (await row(id)).enqueued_count;
    expect(enqueued).toBeGreaterThan(0);
    expect(await cancelling).toMatchObject({ ok: true, messages_cancelled: enqueued });
    const left = await h.db
      .selectFrom("messages")
      .select("status")
      .where("campaign_id", "=", id)
      .where("status", "<>", "cancelled")
      .execute();
    expect(left).toEqual([]);
  });

  it("waits before a future scheduled_at and follows the template's status", async () => {
    const later = await insertCampaign(h.db, { scheduled_at: new Date(Date.now() + 60_000) });
    const r = await runFanOut(deps(), { campaignId: later, run: 0 });
    expect(r.outcome).toBe("not_due");
    const paused = await insertCampaign(h.db, { template_name: "flash_sale" });
    expect(await runFanOut(deps(), { campaignId: paused, run: 0 })).toEqual({ outcome: "stopped", status: "paused" });
    expect((await row(paused)).status_reason).toBe("template_paused");
    await h.db
      .insertInto("templates")
      .values({ name: "gone", locale: "en", category: "marketing", status: "REJECTED", components: "[]" })
      .execute();
    const rejected = await insertCampaign(h.db, { template_name: "gone" });
    expect(await runFanOut(deps(), { campaignId: rejected, run: 0 })).toEqual({ outcome: "stopped", status: "failed" });
    expect(await runFanOut(deps(), { campaignId: "00000000-0000-4000-8000-000000000000", run: 0 })).toEqual({
      outcome: "not_found",
    });
  });
});

describe("messaging-limit tier", () => {
  it("waits at the limit, says so in progress, and continues when the window frees places", async () => {
    const t2 = await openTestDb();
    try {
      await seedTemplates(t2.db);
      await seedCustomers(
        t2.db,
        Array.from({ length: 120 }, (_, i) => ({ customer_id: `62816${String(i).padStart(8, "0")}` })),
      );
      const id = await insertCampaign(t2.db);
      const d: FanOutDeps = {
        db: t2.db,
        send: perRecipient(rowEnqueue(t2.db), 4),
        tier: tier50,
        log: silentLog,
        pageSize: 30,
      };
      const r = await runFanOut(d, { campaignId: id, run: 0 });
      expect(r.outcome).toBe("waiting");
      expect((await row2(t2.db, id)).enqueued_count).toBe(50);
      const v = await getCampaign({ db: t2.db }, id);
      expect(v).toMatchObject({
        ok: true,
        status: "running",
        progress: { waiting: { reason: "messaging_limit", tier: "TIER_50", limit: 50, used: 50 } },
      });
      if (v.ok) expect(Date.parse(v.progress.waiting!.resumes_at!)).toBeGreaterThan(Date.now() + 23 * 3600_000);

      const published: string[] = [];
      const sweeper = createCampaignSweeper({
        db: t2.db,
        tier: tier50,
        log: silentLog,
        publishTrigger: async (cid, run) => void published.push(`${cid}:${run}`),
      });
      await sweeper.sweepOnce();
      expect(published).toEqual([]);
      await t2.db.updateTable("messages").set({ created_at: sql`now() - interval '25 hours'` }).execute(); // a day passes
      await sweeper.sweepOnce();
      expect(published).toEqual([`${id}:1`]);
      expect(await runFanOut(d, { campaignId: id, run: 1 })).toMatchObject({ outcome: "waiting" });
      expect((await row2(t2.db, id)).enqueued_count).toBe(100);
      await t2.db.updateTable("messages").set({ created_at: sql`now() - interval '25 hours'` }).execute();
      await sweeper.sweepOnce();
      expect(await runFanOut(d, { campaignId: id, run: 2 })).toMatchObject({ outcome: "done" });
      expect(await row2(t2.db, id)).toMatchObject({ enqueued_count: 120, fanout_done: true, status_reason: null });
    } finally {
      await t2.close();
    }
  });
});

const tier50: TierSource = async () => ({ name: "TIER_50", limit: 50 });
const row2 = (db: Db, id: string) =>
  db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
