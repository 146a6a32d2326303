import { publishOutbound } from "@wa/bus";
import { createCompliance } from "@wa/compliance";
import { createMetaClient } from "@wa/meta";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createLimiter } from "@wa/ratelimit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchDueBatch, startDeliveryWorker, type DeliveryWorker } from "../src/index.js";
import {
  callsTo,
  openStack,
  orderUpdate,
  seedCustomer,
  seedTemplates,
  silentLog,
  waitFor,
  type Stack,
} from "./support.js";

// Meta's 2025–2026 rules through the real send path (issue 20): enqueue → delivery worker → mock-meta.
const PHONE_ID = "100000000000001";
const DAY_MS = 24 * 60 * 60 * 1000;
let s: Stack;
let mock: RunningMockMeta;
let worker: DeliveryWorker;

const rowOf = (id: string) => s.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const settled = (id: string, status: string) =>
  waitFor(`${id} ${status}`, async () => {
    const r = await rowOf(id);
    return r.status === status ? r : null;
  });
const limitOf = async (to: string) =>
  (
    await s.db
      .selectFrom("customers")
      .select("marketing_limited_until")
      .where("customer_id", "=", to)
      .executeTakeFirstOrThrow()
  ).marketing_limited_until;
const welcome = (to: string) => ({
  to,
  content: { type: "template" as const, template_name: "welcome_offer", locale: "en", variables: ["Ann"] },
});

let n = 0;
/** A unique Indonesian number ending in a mock-meta trigger suffix. */
const triggerPhone = (suffix: string) => {
  n += 1;
  return `6282${String(process.pid % 1000).padStart(3, "0")}${String(n).padStart(3, "0")}${suffix}`;
};
/** A unique number behind a +1 area code (212 New York, 416 Toronto), clear of mock-meta's trigger suffixes. */
const nanp = (area: string) => {
  n += 1;
  return `1${area}${String(process.pid % 1000).padStart(3, "0")}${String(n).padStart(2, "0")}77`;
};

beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
  mock = await startMockMeta({ port: 0, throughputMps: 1000, webhookTargetUrl: undefined });
  const meta = createMetaClient({
    baseUrl: mock.url,
    version: "v25.0",
    accessToken: "mock-token",
    phoneNumberId: PHONE_ID,
    wabaId: "200000000000001",
    timeoutMs: 2000,
  });
  const limiter = createLimiter({
    redis: s.redis,
    keyPrefix: s.prefix,
    throughputMps: 1000,
    pairIntervalMs: 6000,
    pairBurst: 3,
  });
  worker = startDeliveryWorker({
    db: s.db,
    state: s.state,
    meta,
    limiter,
    phoneNumberId: PHONE_ID,
    log: silentLog,
    js: s.bus.js,
    names: s.names,
    concurrency: 8,
    heartbeatMs: 200,
  });
});
afterAll(async () => {
  await worker.close();
  await mock.close();
  await s.close();
});

describe("Meta's US marketing pause: refused before queueing", () => {
  it("refuses marketing to a US number with POLICY_RESTRICTION meta_us_marketing_pause: no row, no call", async () => {
    const to = nanp("212");
    await seedCustomer(s.db, to, { marketing: "granted" });
    const r = await s.messaging.enqueueOutbound(welcome(`+${to}`), { actor: "agent" });
    expect(r).toMatchObject({
      ok: false,
      reason_code: "POLICY_RESTRICTION",
      details: { policy_id: "meta_us_marketing_pause" },
    });
    expect(await s.db.selectFrom("messages").select("id").where("customer_id", "=", to).execute()).toEqual([]);
    expect(await callsTo(mock.url, to)).toEqual([]);
  });

  it("sends marketing to a Canadian +1 number and utility to a US number", async () => {
    const ca = nanp("416");
    const us = nanp("212");
    await seedCustomer(s.db, ca, { marketing: "granted" });
    const a = await s.messaging.enqueueOutbound(welcome(ca), { actor: "agent" });
    const b = await s.messaging.enqueueOutbound(orderUpdate(us), { actor: "agent" });
    if (!a.ok || !b.ok) throw new Error("refused");
    expect(await settled(a.message_id, "sent")).toMatchObject({ error_code: null });
    expect(await settled(b.message_id, "sent")).toMatchObject({ error_code: null });
  });

  it("META_US_MARKETING_PAUSE=false lets it go; Meta (mock-meta) then still accepts it", async () => {
    const to = nanp("212");
    await seedCustomer(s.db, to, { marketing: "granted" });
    const lifted = s.with({ compliance: createCompliance({ db: s.db, state: s.state, usMarketingPause: false }) });
    const r = await lifted.enqueueOutbound(welcome(to), { actor: "agent" });
    if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
    await settled(r.message_id, "sent");
    expect((await callsTo(mock.url, to)).map((c) => c.code)).toEqual([null]);
  });
});

describe("Meta's per-user marketing limit (131049)", () => {
  it("a 131049 marks the customer limited for 24 h; marketing is then refused MARKETING_LIMITED, utility goes", async () => {
    const to = triggerPhone("0002"); // mock-meta: 131049 on every send
    await seedCustomer(s.db, to, { marketing: "granted" });
    const before = Date.now();
    const r = await s.messaging.enqueueOutbound(welcome(to), { actor: "agent" });
    if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
    expect(await settled(r.message_id, "failed")).toMatchObject({ error_code: 131049, attempts: 1 });
    const until = await limitOf(to);
    expect(until?.getTime()).toBeGreaterThanOrEqual(before + DAY_MS - 1000);
    expect(until?.getTime()).toBeLessThanOrEqual(Date.now() + DAY_MS);
    const again = await s.messaging.enqueueOutbound(welcome(to), { actor: "agent" });
    expect(again).toMatchObject({
      ok: false,
      reason_code: "MARKETING_LIMITED",
      details: { resets_at: until?.toISOString() },
    });
    const utility = await s.compliance.evaluate({ customer_id: to, message_type: "utility" });
    expect(utility.allowed).toBe(true);
    expect((await s.messaging.retryFailed([r.message_id], { actor: "agent" }))[0]).toMatchObject({
      status: "skipped",
    });
    expect(await callsTo(mock.url, to)).toHaveLength(1); // never hit Meta again
    const audit = await s.db
      .selectFrom("audit_logs")
      .select(["actor", "details"])
      .where("action", "=", "customer.marketing_limited")
      .where("subject_id", "=", to)
      .execute();
    expect(audit).toMatchObject([{ actor: "system", details: { message_id: r.message_id, code: 131049 } }]);
  });

  it("queued marketing for a customer limited meanwhile is cancelled at delivery and never reaches Meta", async () => {
    const to = triggerPhone("0002");
    await seedCustomer(s.db, to, { marketing: "granted" });
    const offline = s.with({ js: null });
    const queued = await offline.enqueueOutbound(welcome(to), { actor: "agent" }); // stays queued, unpublished
    const first = await s.messaging.enqueueOutbound(welcome(to), { actor: "agent" });
    if (!queued.ok || !first.ok) throw new Error("refused");
    await settled(first.message_id, "failed");
    await publishOutbound(s.bus.js, s.names, { message_id: queued.message_id });
    const row = await settled(queued.message_id, "cancelled");
    expect(row).toMatchObject({ status_reason: "MARKETING_LIMITED", counts_toward_cap: false });
    expect(row.error_explanation).toMatch(/131049/);
    expect(await callsTo(mock.url, to)).toHaveLength(1);
  });

  it("a scheduled marketing message that falls due inside the limit is held until it ends, not cancelled", async () => {
    const to = triggerPhone("0077");
    await seedCustomer(s.db, to, { marketing: "granted" });
    const soon = new Date(Date.now() + 1000);
    const r = await s.messaging.enqueueOutbound({ ...welcome(to), deliver_at: soon }, { actor: "agent" });
    if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
    const until = new Date(Date.now() + 5 * 60 * 60 * 1000);
    await s.db.updateTable("customers").set({ marketing_limited_until: until }).where("customer_id", "=", to).execute();
    await s.state.invalidate({ customerId: to });
    await new Promise((done) => setTimeout(done, Math.max(0, soon.getTime() - Date.now() + 50)));
    await dispatchDueBatch({
      db: s.db,
      state: s.state,
      compliance: s.compliance,
      js: s.bus.js,
      names: s.names,
      log: silentLog,
    });
    expect(await rowOf(r.message_id)).toMatchObject({
      status: "scheduled",
      status_reason: "MARKETING_LIMITED",
      deliver_at: until,
      counts_toward_cap: false,
    });
    expect(await callsTo(mock.url, to)).toEqual([]);
  });
});
