import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { busNames, dropStreams, TEST_NATS_URL } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignTriggerPublisher, createCampaignSweeper, type PublishTrigger } from "../src/index.js";
import { withCampaignLock } from "../src/lock.js";
import { insertCampaign, insertMessages, openTestDb, seedCustomers, silentLog, sql, type TestDb } from "./support.js";

let h: TestDb;
let bus: Bus;
const names = busNames();
let publish: PublishTrigger;
const published: string[] = [];

beforeAll(async () => {
  h = await openTestDb();
  await seedCustomers(
    h.db,
    Array.from({ length: 6 }, (_, i) => ({ customer_id: `628140000000${i}` })),
  );
  bus = await connectBus({ url: TEST_NATS_URL, name: "campaigns-sweeper-test" });
  await ensureTopology(bus.jsm, names);
  const real = campaignTriggerPublisher(bus.js, names);
  publish = async (id, run) => {
    await real(id, run);
    published.push(`${id}:${run}`);
  };
});
afterAll(async () => {
  await dropStreams(bus?.jsm, names);
  await bus?.close();
  await h?.close();
});

const row = (id: string) => h.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const tier = async () => ({ name: "TIER_2", limit: 2 });

describe("campaign sweeper", () => {
  it("pauses the scheduled and running campaigns whose template Meta paused (the webhook writes only the template row)", async () => {
    await h.db
      .insertInto("templates")
      .values({
        name: "sweep_paused",
        locale: "en",
        category: "marketing",
        status: "PAUSED",
        body_text: "x",
        parameter_count: 0,
        components: "[]",
      })
      .execute();
    const running = await insertCampaign(h.db, { status: "running", template_name: "sweep_paused" });
    const scheduled = await insertCampaign(h.db, {
      template_name: "sweep_paused",
      scheduled_at: new Date(Date.now() + 3600_000),
    });
    const sweeper = createCampaignSweeper({ db: h.db, publishTrigger: publish, tier, log: silentLog });
    expect((await sweeper.sweepOnce()).paused).toBe(2);
    expect(await row(running)).toMatchObject({ status: "paused", status_reason: "template_paused" });
    expect((await row(scheduled)).status).toBe("paused");
    expect((await sweeper.sweepOnce()).paused).toBe(0);
  });

  it("publishes due campaigns, completes finished ones and leaves the rest", async () => {
    const due = await insertCampaign(h.db, { scheduled_at: new Date(Date.now() - 1000) });
    const later = await insertCampaign(h.db, { scheduled_at: new Date(Date.now() + 3600_000) });
    const finished = await insertCampaign(h.db, { status: "running", fanout_done: true });
    await insertMessages(h.db, finished, [
      { customer_id: "6281400000000", status: "delivered" },
      { customer_id: "6281400000001", status: "failed" },
    ]);
    const busy = await insertCampaign(h.db, { status: "running", fanout_done: true });
    await insertMessages(h.db, busy, [{ customer_id: "6281400000002", status: "sending" }]);

    const sweeper = createCampaignSweeper({ db: h.db, publishTrigger: publish, tier, log: silentLog });
    const r = await sweeper.sweepOnce();
    expect(r.completed).toBe(1);
    expect(published).toContain(`${due}:0`);
    expect(published.some((p) => p.startsWith(later))).toBe(false);
    expect(await row(finished)).toMatchObject({
      status: "completed",
      delivered_count: 1,
      sent_count: 1,
      failed_count: 1,
    });
    expect((await row(busy)).status).toBe("running");
  });

  it("resumes a tier wait only when the window has room, with a new run", async () => {
    const id = await insertCampaign(h.db, { status: "running", run: 3 });
    await h.db
      .updateTable("campaigns")
      .set({ status_reason: "waiting_messaging_limit TIER_2 until 2030-01-01T00:00:00.000Z" })
      .where("id", "=", id)
      .execute();
    const recent = await insertMessages(h.db, null, [
      { customer_id: "6281400000003", status: "sent" },
      { customer_id: "6281400000004", status: "sent" },
    ]);
    // the first test's messages to customers 0 and 2 count too: 4 recipients in 24 h
    const sweeper = createCampaignSweeper({
      db: h.db,
      publishTrigger: publish,
      tier: async () => ({ name: "TIER_4", limit: 4 }),
      log: silentLog,
    });
    expect((await sweeper.sweepOnce()).resumed).toBe(0);
    expect((await row(id)).run).toBe(3);
    await h.db
      .updateTable("messages")
      .set({ created_at: sql`now() - interval '25 hours'` })
      .where("id", "in", recent)
      .execute();
    expect((await sweeper.sweepOnce()).resumed).toBe(1);
    expect(await row(id)).toMatchObject({ run: 4, status_reason: null });
    expect(published).toContain(`${id}:4`);
  });

  it("re-triggers an orphaned fan-out only when idle and unchanged for orphanAfterMs", async () => {
    let t = Date.now();
    const id = await insertCampaign(h.db, { status: "running", run: 1 });
    const sweeper = createCampaignSweeper({
      db: h.db,
      publishTrigger: publish,
      tier,
      log: silentLog,
      now: () => t,
      orphanAfterMs: 5000,
    });
    await sweeper.sweepOnce();
    t += 6000;
    // a page in flight holds the lock: not an orphan
    let release!: () => void;
    const held = withCampaignLock(
      h.db,
      id,
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await new Promise((r) => setTimeout(r, 30));
    await sweeper.sweepOnce();
    release();
    await held;
    expect((await row(id)).run).toBe(1);
    // progress resets the clock
    await h.db.updateTable("campaigns").set({ cursor: "6281400000001" }).where("id", "=", id).execute();
    await sweeper.sweepOnce();
    expect((await row(id)).run).toBe(1);
    t += 6000;
    expect((await sweeper.sweepOnce()).orphans).toBeGreaterThanOrEqual(1);
    expect((await row(id)).run).toBe(2);
    expect(published).toContain(`${id}:2`);
  });

  it("cancels sendable messages left under a cancelled campaign", async () => {
    const id = await insertCampaign(h.db, { status: "cancelled", cancelled_at: new Date() });
    await insertMessages(h.db, id, [{ customer_id: "6281400000005", status: "queued", counts_toward_cap: true }]);
    const seen: string[] = [];
    const sweeper = createCampaignSweeper({
      db: h.db,
      publishTrigger: publish,
      tier,
      log: silentLog,
      onMessagesCancelled: async (m) => void seen.push(...m.map((x) => x.customerId)),
    });
    expect((await sweeper.sweepOnce()).leftovers).toBe(1);
    expect(seen).toEqual(["6281400000005"]);
    expect(await row(id)).toMatchObject({ cancelled_count: 1 });
  });

  it("start() sweeps on a timer and close() stops it", async () => {
    const id = await insertCampaign(h.db, { status: "running", fanout_done: true });
    const sweeper = createCampaignSweeper({ db: h.db, publishTrigger: publish, tier, log: silentLog, intervalMs: 20 });
    sweeper.start();
    for (let i = 0; i < 100 && (await row(id)).status !== "completed"; i++) await new Promise((r) => setTimeout(r, 20));
    await sweeper.close();
    expect((await row(id)).status).toBe("completed");
  });
});
