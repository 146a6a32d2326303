// End to end through the built worker: real Postgres, Redis, NATS, compliance and policies.
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { cancelCampaign, getCampaign, pauseCampaign, resumeCampaign, scheduleCampaign } from "@wa/campaigns";
import { createDb, type Db } from "@wa/db";
import {
  busNames,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  campaignRow,
  deliverQueued,
  holdCustomer,
  hourIn,
  lockWaiter,
  pad,
  rowCounts,
  spawnWorker,
  visitedOf,
  waitFor,
  type Worker,
} from "./support.js";

const names = busNames();
let tdb: TestDatabase;
let db: Db;
let bus: Bus;
let worker: Worker;
const workers: Worker[] = [];
const JK = hourIn("Asia/Jakarta");

type Expect = "enqueued" | "invalid_number" | "opted_out" | "no_opt_in" | "excluded_segment" | "quiet_hours";
const big: { id: string; want: Expect }[] = [];

function env(over: Record<string, string> = {}): Record<string, string> {
  return {
    ...names,
    DATABASE_URL: tdb.url,
    DB_POOL_MAX: "12",
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    NATS_URL: TEST_NATS_URL,
    META_API_BASE_URL: "http://127.0.0.1:9",
    META_ACCESS_TOKEN: "test",
    META_PHONE_NUMBER_ID: "100000000000001",
    META_WABA_ID: "200000000000001",
    OPS_PORT: "0",
    LOG_LEVEL: "info",
    CAMPAIGN_PAGE_SIZE: "10",
    CAMPAIGN_SWEEP_MS: "100",
    CAMPAIGN_ORPHAN_SECS: "2",
    QUIET_HOURS_MODE: "skip",
    MESSAGING_LIMIT_TIER: "TIER_UNLIMITED",
    ...over,
  };
}
const prefix = redisPrefix();
const start = (over: Record<string, string> = {}): Worker => {
  const w = spawnWorker(env(over));
  workers.push(w);
  return w;
};

async function seed(): Promise<void> {
  await db
    .insertInto("templates")
    .values({
      name: "welcome_offer",
      locale: "en",
      category: "marketing",
      status: "APPROVED",
      parameter_count: 1,
      body_text: "Hi {{1}}",
      components: "[]",
    })
    .execute();
  // Quiet hours from 2 h before to 3 h after Jakarta's current hour: Jakarta is quiet, São Paulo and London are not.
  await db
    .insertInto("policies")
    .values([
      {
        id: "quiet",
        name: "Quiet hours",
        type: "time_restriction",
        message_type: "marketing",
        rules: JSON.stringify({
          deny_after: `${pad((JK + 22) % 24, 2)}:00`,
          allow_after: `${pad((JK + 3) % 24, 2)}:00`,
          timezone: "recipient",
          default_timezone: "UTC",
        }),
      },
      {
        id: "no_staff",
        name: "No marketing to staff",
        type: "segment_exclusion",
        message_type: "marketing",
        rules: JSON.stringify({ exclude_tags: ["staff"] }),
      },
    ])
    .execute();
  const rows = [];
  for (let i = 0; i < 1000; i++) {
    const kind = i % 3;
    const invalid = i % 97 === 0;
    const customer_id = invalid
      ? `99${i}`
      : kind === 0
        ? `62812${pad(i, 7)}`
        : kind === 1
          ? `55119${pad(i, 8)}`
          : `4477${pad(i, 8)}`;
    const consent = i % 5 === 0 ? "revoked" : i % 5 === 1 ? "unknown" : "granted";
    const staff = i % 11 === 0 && kind !== 0;
    const want: Expect = invalid
      ? "invalid_number"
      : consent === "revoked"
        ? "opted_out"
        : consent === "unknown"
          ? "no_opt_in"
          : staff
            ? "excluded_segment"
            : kind === 0
              ? "quiet_hours"
              : "enqueued";
    big.push({ id: customer_id, want });
    rows.push({
      customer_id,
      phone: invalid ? null : customer_id,
      marketing_consent: consent as "granted",
      tags: ["big", ...(staff ? ["staff"] : [])],
      country: invalid ? null : ["ID", "BR", "GB"][kind]!,
      timezone: invalid ? null : ["Asia/Jakarta", "America/Sao_Paulo", "Europe/London"][kind]!,
    });
  }
  // Eligible audiences for the lifecycle tests: London numbers, opted in.
  for (const [tag, n, base] of [
    ["pz", 300, 1],
    ["cx", 300, 2],
    ["kl", 600, 3],
    ["hold_gb", 20, 4],
  ] as const) {
    for (let i = 0; i < n; i++)
      rows.push({
        customer_id: lifecycleCustomer(base, i),
        phone: null,
        marketing_consent: "granted" as const,
        tags: [tag],
        country: "GB",
        timezone: "Europe/London",
      });
  }
  for (let i = 0; i < 20; i++)
    rows.push({
      customer_id: `628139${pad(i, 6)}`,
      phone: null,
      marketing_consent: "granted" as const,
      tags: ["hold_id"],
      country: "ID",
      timezone: "Asia/Jakarta",
    });
  await db.insertInto("customers").values(rows).execute();
}

const schedule = async (tag: string | string[]): Promise<string> => {
  const r = await scheduleCampaign(
    { db },
    {
      name: `e2e ${tag}`,
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["friend"],
      audience_filter: { include_tags: Array.isArray(tag) ? tag : [tag] },
      deliver_at: new Date().toISOString(),
    },
  );
  if (!r.ok) throw new Error(r.human_explanation);
  return r.campaign_id;
};
const lifecycleCustomer = (base: number, i: number): string => `447${base}${pad(i, 8)}`;

/**
 * Schedules `tag`'s campaign and runs `control` (pause/cancel) while its fan-out is certainly mid-way, however
 * fast the machine: the 101st recipient's row is held from the start, so pages 1–10 go through and page 11
 * waits for it inside the fan-out lock; `control` queues on that lock (once page 11 is seen waiting: called
 * between pages it could land before page 11), then the row is released, page 11 ends and `control` lands
 * before any page 12.
 */
async function midway<T>(tag: string, base: number, control: (id: string) => Promise<T>) {
  const release = await holdCustomer(db, lifecycleCustomer(base, 100));
  try {
    const id = await schedule(tag);
    await waitFor("ten pages", async () => visitedOf(await campaignRow(db, id)) >= 100);
    await lockWaiter(db, "transactionid", "tuple"); // page 11 waits for the row (so it holds the fan-out lock)
    expect(visitedOf(await campaignRow(db, id))).toBe(100);
    const done = control(id);
    await lockWaiter(db, "advisory"); // control waits behind page 11
    await release();
    return { id, result: await done };
  } finally {
    await release();
  }
}
const noDuplicates = async (id: string) => {
  const c = await rowCounts(db, id);
  expect(c.customers).toBe(c.n);
  return c;
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createDb(tdb.url, { max: 6 });
  bus = await connectBus({ url: TEST_NATS_URL, name: "campaign-worker-test" });
  await ensureTopology(bus.jsm, names);
  await seed();
  worker = start();
});

afterAll(async () => {
  for (const w of workers) w.proc.kill("SIGKILL");
  await dropStreams(bus?.jsm, names);
  await bus?.close();
  await db?.destroy();
  await tdb?.drop();
});

describe("campaign-worker", () => {
  it("runs a 1,000-recipient campaign with mixed consent, tags and zones to completed, with exact counters", async () => {
    const id = await schedule("big");
    // 1,000 recipients through the send path: bounded by the box, not by the test (2 cores shared by many runs).
    const done = await waitFor(
      "fan-out done",
      async () => (await campaignRow(db, id)).fanout_done && campaignRow(db, id),
      90_000,
    );
    const want = (w: Expect) => big.filter((b) => b.want === w).length;
    expect(done.audience_count).toBe(1000);
    expect(done.enqueued_count).toBe(want("enqueued"));
    expect(done.skipped_by_reason).toEqual({
      invalid_number: want("invalid_number"),
      opted_out: want("opted_out"),
      no_opt_in: want("no_opt_in"),
      excluded_segment: want("excluded_segment"),
      quiet_hours: want("quiet_hours"),
    });
    const rows = await noDuplicates(id);
    expect(rows.n).toBe(want("enqueued"));
    const got = await db.selectFrom("messages").select("customer_id").where("campaign_id", "=", id).execute();
    expect(got.map((r) => r.customer_id).toSorted()).toEqual(
      big
        .filter((b) => b.want === "enqueued")
        .map((b) => b.id)
        .toSorted(),
    );
    expect((await bus.jsm.streams.info(names.DELIVERY_STREAM)).state.messages).toBe(rows.n); // one publish per row

    expect((await campaignRow(db, id)).status).toBe("running"); // messages still queued
    await deliverQueued(db, id);
    const final = await waitFor(
      "completed",
      async () => (await campaignRow(db, id)).status === "completed" && getCampaign({ db }, id),
    );
    const independent = await rowCounts(db, id);
    expect(final).toMatchObject({
      ok: true,
      progress_pct: 100,
      counters: { audience: 1000, enqueued: independent.n, sent: independent.sent, failed: 0 },
    });
    expect(await campaignRow(db, id)).toMatchObject({ sent_count: independent.sent, completed_at: expect.any(Date) });
  }, 150_000);

  it("skips US numbers (Meta's US marketing pause) and customers Meta limited (131049); Canada's +1 goes", async () => {
    const until = new Date(Date.now() + 20 * 60 * 60 * 1000);
    const row = (customer_id: string, country: string, timezone: string, limited = false) => ({
      customer_id,
      phone: customer_id,
      marketing_consent: "granted" as const,
      tags: ["meta_rules"],
      country,
      timezone,
      marketing_limited_until: limited ? until : null,
    });
    await db
      .insertInto("customers")
      .values([
        ...Array.from({ length: 6 }, (_, i) => row(`1212555${pad(i, 2)}77`, "US", "America/New_York")),
        ...Array.from({ length: 4 }, (_, i) => row(`1416555${pad(i, 2)}77`, "CA", "America/Toronto")),
        ...Array.from({ length: 3 }, (_, i) => row(`4478${pad(i, 8)}`, "GB", "Europe/London", true)),
      ])
      .execute();
    const id = await schedule("meta_rules");
    const done = await waitFor(
      "fan-out done",
      async () => (await campaignRow(db, id)).fanout_done && campaignRow(db, id),
    );
    expect(done).toMatchObject({
      audience_count: 13,
      enqueued_count: 4,
      skipped_by_reason: { us_marketing_pause: 6, marketing_limited: 3 },
    });
    const sent = await db.selectFrom("messages").select("customer_id").where("campaign_id", "=", id).execute();
    expect(sent.map((m) => m.customer_id).every((c) => c.startsWith("1416"))).toBe(true);
    await deliverQueued(db, id);
    await waitFor("completed", async () => (await campaignRow(db, id)).status === "completed");
  });

  it("pauses mid-way, stays put, then resumes to the end with nobody messaged twice", async () => {
    const { id, result } = await midway("pz", 1, (c) => pauseCampaign({ db }, c));
    expect(result).toMatchObject({ ok: true, status: "paused" });
    const paused = visitedOf(await campaignRow(db, id));
    expect(paused).toBe(110); // page 11 finished, no page after it
    await new Promise((r) => setTimeout(r, 600));
    expect(visitedOf(await campaignRow(db, id))).toBe(paused);
    expect((await rowCounts(db, id)).n).toBe(paused);
    expect(await resumeCampaign({ db }, id)).toMatchObject({ ok: true, status: "running" });
    await waitFor("fan-out done", async () => (await campaignRow(db, id)).fanout_done);
    expect((await noDuplicates(id)).n).toBe(300);
    await deliverQueued(db, id);
    await waitFor("completed", async () => (await campaignRow(db, id)).status === "completed");
  });

  it("cancels mid-way and leaves nothing sendable", async () => {
    const { id, result: cancelled } = await midway("cx", 2, (c) => cancelCampaign({ db }, c, { reason: "test" }));
    expect(cancelled).toMatchObject({ ok: true, status: "cancelled", from_status: "running", messages_cancelled: 110 });
    const after = await rowCounts(db, id);
    expect(after.sendable).toBe(0);
    expect(after.n).toBe(110); // page 11 finished, no page after it
    await new Promise((r) => setTimeout(r, 600));
    expect(await rowCounts(db, id)).toEqual(after);
    expect(await campaignRow(db, id)).toMatchObject({ status: "cancelled", cancelled_count: after.cancelled });
  });

  it("survives SIGKILL mid fan-out: a restarted worker finishes with every customer messaged exactly once", async () => {
    const id = await schedule("kl");
    await waitFor("fan-out under way", async () => visitedOf(await campaignRow(db, id)) >= 40);
    worker.proc.kill("SIGKILL");
    await worker.exited;
    const atKill = await campaignRow(db, id);
    expect(atKill.fanout_done).toBe(false);
    worker = start();
    await waitFor("fan-out done after restart", async () => (await campaignRow(db, id)).fanout_done, 30_000);
    expect((await noDuplicates(id)).n).toBe(600);
    expect(await campaignRow(db, id)).toMatchObject({
      enqueued_count: 600,
      skipped_by_reason: {},
      audience_count: 600,
    });
    await deliverQueued(db, id);
    await waitFor("completed", async () => (await campaignRow(db, id)).status === "completed");
    expect(worker.output()).toMatch(/campaign re-triggered/);
  });

  it("holds recipients in quiet hours as scheduled until sending opens (QUIET_HOURS_MODE=hold), then completes", async () => {
    worker.proc.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    worker = start({ QUIET_HOURS_MODE: "hold" });
    const id = await schedule(["hold_gb", "hold_id"]);
    await waitFor("fan-out done", async () => (await campaignRow(db, id)).fanout_done);
    const held = await db
      .selectFrom("messages")
      .select(["customer_id", "deliver_at", "counts_toward_cap"])
      .where("campaign_id", "=", id)
      .where("status", "=", "scheduled")
      .execute();
    expect(held).toHaveLength(20);
    expect(held.every((m) => m.customer_id.startsWith("62") && !m.counts_toward_cap)).toBe(true);
    const opens = held[0]!.deliver_at!;
    expect(hourIn("Asia/Jakarta", opens.getTime())).toBe((JK + 3) % 24);
    expect(opens.getTime()).toBeGreaterThan(Date.now());
    await deliverQueued(db, id);
    await new Promise((r) => setTimeout(r, 400));
    const v = await getCampaign({ db }, id);
    expect(v).toMatchObject({
      ok: true,
      status: "running",
      counters: { enqueued: 40, skipped_by_reason: {} },
      progress: { held_for_quiet_hours: 20, pending: 20 },
    });
    if (v.ok) expect(Date.parse(v.progress.eta!)).toBeGreaterThanOrEqual(opens.getTime());
    await deliverQueued(db, id, "scheduled"); // the scheduler dispatches them when quiet hours end
    await waitFor("completed", async () => (await campaignRow(db, id)).status === "completed");
  });
});
