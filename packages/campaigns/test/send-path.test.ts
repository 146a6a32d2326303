// The campaign send path against real Postgres, NATS and Redis, with the real compliance rules and policies.
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { createRedis } from "@wa/ratelimit";
import { createStateStore } from "@wa/state";
import { busNames, clearRedisPrefix, dropStreams, redisPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@wa/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCampaignSendPath, idempotencyKeyFor, type CampaignSend, type CampaignSendPathOptions } from "../src/index.js";
import { insertCampaign, insertMessages, openTestDb, seedCustomers, seedTemplates, silentLog, type TestDb } from "./support.js";

let h: TestDb;
let bus: Bus;
let redis: Redis;
const names = busNames();
const prefix = redisPrefix();
const jakartaHour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Jakarta", hour: "2-digit", hourCycle: "h23" }).format(Date.now()));
const hh = (n: number): string => `${String((n + 24) % 24).padStart(2, "0")}:00`;

const C = {
  ok: "447700100001", revoked: "447700100002", unknown: "447700100003", staff: "447700100004",
  quiet: "6281200100005", invalid: "12345", capped: "447700100007", ok2: "447700100008",
};

beforeAll(async () => {
  h = await openTestDb();
  await seedTemplates(h.db);
  bus = await connectBus({ url: TEST_NATS_URL, name: "campaigns-send-path-test" });
  await ensureTopology(bus.jsm, names);
  redis = createRedis(TEST_REDIS_URL);
  await h.db.insertInto("policies").values([
    { id: "quiet", name: "Quiet", type: "time_restriction", message_type: "marketing", rules: JSON.stringify({ deny_after: hh(jakartaHour - 2), allow_after: hh(jakartaHour + 3), timezone: "recipient" }) },
    { id: "staff", name: "Staff", type: "segment_exclusion", message_type: "marketing", rules: JSON.stringify({ exclude_tag: "staff" }) },
  ]).execute();
  await seedCustomers(h.db, [
    { customer_id: C.ok, marketing_consent: "granted", timezone: "Europe/London" },
    { customer_id: C.revoked, marketing_consent: "revoked", timezone: "Europe/London" },
    { customer_id: C.unknown, timezone: "Europe/London" },
    { customer_id: C.staff, marketing_consent: "granted", tags: ["staff"], timezone: "Europe/London" },
    { customer_id: C.quiet, marketing_consent: "granted", timezone: "Asia/Jakarta" },
    { customer_id: C.invalid, marketing_consent: "granted" },
    { customer_id: C.capped, marketing_consent: "granted", timezone: "Europe/London" },
    { customer_id: C.ok2, marketing_consent: "granted", timezone: "Europe/London" },
  ]);
  await insertMessages(h.db, null, [{ customer_id: C.capped, status: "sent", counts_toward_cap: true }, { customer_id: C.capped, status: "delivered", counts_toward_cap: true }]);
});
afterAll(async () => {
  await clearRedisPrefix(redis, prefix);
  redis.disconnect();
  await dropStreams(bus?.jsm, names);
  await bus?.close();
  await h?.close();
});

const path = (over: Partial<CampaignSendPathOptions> = {}) =>
  createCampaignSendPath({ db: h.db, js: bus.js, names, log: silentLog, quietHours: "skip", state: createStateStore({ db: h.db, redis, keyPrefix: prefix }), ...over });
const sends = (campaignId: string, ids: string[], template = "welcome_offer"): CampaignSend[] =>
  ids.map((customerId) => ({ campaignId, channel: "whatsapp", customerId, category: "marketing", templateName: template, locale: "en", variables: ["x"], idempotencyKey: idempotencyKeyFor(campaignId, customerId) }));
const published = async () => (await bus.jsm.streams.info(names.DELIVERY_STREAM)).state.messages;

describe("createCampaignSendPath", () => {
  it("applies every compliance rule, writes queued rows with their slots and publishes them", async () => {
    const id = await insertCampaign(h.db);
    const before = await published();
    const r = await path().enqueueBatch(sends(id, Object.values(C)), () => {});
    expect(r.stop).toBeNull();
    expect(r.handled.map((o) => (o.kind === "skipped" ? o.reason : o.kind))).toEqual([
      "enqueued", "opted_out", "no_opt_in", "excluded_segment", "quiet_hours", "invalid_number", "frequency_capped", "enqueued",
    ]);
    const rows = await h.db.selectFrom("messages").selectAll().where("campaign_id", "=", id).orderBy("customer_id").execute();
    expect(rows.map((m) => [m.customer_id, m.status, m.counts_toward_cap, m.idempotency_key])).toEqual([
      [C.ok, "queued", true, `campaign:${id}:${C.ok}`], [C.ok2, "queued", true, `campaign:${id}:${C.ok2}`],
    ]);
    expect(await published()).toBe(before + 2);
    const audit = await h.db.selectFrom("audit_logs").select("action").where("subject_id", "in", rows.map((m) => m.id)).execute();
    expect(audit.map((a) => a.action)).toEqual(["message.queued", "message.queued"]);
    const snap = await createStateStore({ db: h.db, redis, keyPrefix: prefix }).getSnapshot({ customerId: C.ok });
    expect(snap?.slots.map((s) => s.slotId)).toContain(rows[0]!.id);

    const again = await path().enqueueBatch(sends(id, Object.values(C)), () => {});
    expect(again.handled.filter((o) => o.kind === "enqueued").map((o) => o.kind === "enqueued" && o.created)).toEqual([false, false]);
    expect(await published()).toBe(before + 2);
  });

  it("holds a recipient in quiet hours as scheduled until they end, without taking a slot", async () => {
    const id = await insertCampaign(h.db);
    const r = await path({ quietHours: "hold" }).enqueueBatch(sends(id, [C.quiet]), () => {});
    expect(r.handled).toMatchObject([{ kind: "enqueued", held: true, created: true }]);
    const m = await h.db.selectFrom("messages").selectAll().where("campaign_id", "=", id).executeTakeFirstOrThrow();
    expect(m).toMatchObject({ status: "scheduled", counts_toward_cap: false, queued_at: null });
    expect(m.deliver_at!.getTime()).toBeGreaterThan(Date.now());
  });

  it("halts on a template the campaign cannot use, writing nothing", async () => {
    const id = await insertCampaign(h.db, { template_name: "flash_sale" });
    const r = await path().enqueueBatch(sends(id, [C.ok, C.ok2], "flash_sale"), () => {});
    expect(r).toMatchObject({ handled: [], stop: { kind: "halt", outcome: { reasonCode: "TEMPLATE_NOT_APPROVED" } } });
    expect(await h.db.selectFrom("messages").select("id").where("campaign_id", "=", id).execute()).toEqual([]);
  });

  it("keeps the frequency cap exact when two campaigns reach the same customers at once", async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `4477002${String(i).padStart(5, "0")}`);
    await seedCustomers(h.db, ids.map((customer_id) => ({ customer_id, marketing_consent: "granted" as const, timezone: "Europe/London" })));
    await h.db.insertInto("policies").values({ id: "cap1", name: "One a day", type: "frequency_limit", message_type: "marketing", rules: JSON.stringify({ max_per_day: 1 }) }).execute();
    try {
      const [a, b] = [await insertCampaign(h.db), await insertCampaign(h.db)];
      const [ra, rb] = await Promise.all([path().enqueueBatch(sends(a, ids), () => {}), path().enqueueBatch(sends(b, ids.toReversed()), () => {})]);
      const enq = [...ra.handled, ...rb.handled].filter((o) => o.kind === "enqueued").length;
      const capped = [...ra.handled, ...rb.handled].filter((o) => o.kind === "skipped" && o.reason === "frequency_capped").length;
      expect([enq, capped]).toEqual([40, 40]);
      const per = await h.db.selectFrom("messages").select(["customer_id", (eb) => eb.fn.countAll<string>().as("n")]).where("campaign_id", "in", [a, b]).groupBy("customer_id").execute();
      expect(per.every((p) => Number(p.n) === 1) && per.length === 40).toBe(true);
    } finally {
      await h.db.deleteFrom("policies").where("id", "=", "cap1").execute();
    }
  });

  it("drops a cancelled message's cached slot", async () => {
    const p = path();
    const state = createStateStore({ db: h.db, redis, keyPrefix: prefix });
    await state.getSnapshot({ customerId: C.ok2 });
    await p.onMessagesCancelled([{ messageId: "x", channel: "whatsapp", customerId: C.ok2, heldSlot: true }]);
    expect(await redis.exists(`${prefix}cust:${C.ok2}:whatsapp`)).toBe(0);
  });
});
