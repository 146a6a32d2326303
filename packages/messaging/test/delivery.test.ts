import { publishOutbound } from "@wa/bus";
import { createMetaClient, type MetaClient } from "@wa/meta";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createMetrics } from "@wa/observability";
import { createLimiter } from "@wa/ratelimit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeliveryWorker, type DeliveryWorker } from "../src/index.js";
import {
  callsTo,
  mockPost,
  openStack,
  orderUpdate,
  phone,
  seedCustomer,
  seedTemplates,
  silentLog,
  waitFor,
  type Stack,
} from "./support.js";

const PHONE_ID = "100000000000001";
let s: Stack;
let mock: RunningMockMeta;
const workers: DeliveryWorker[] = [];
const metrics = createMetrics({ defaultMetrics: false });

function metaClient(onCall?: () => void): MetaClient {
  const counting: typeof fetch = (input, init) => {
    onCall?.();
    return fetch(input, init);
  };
  return createMetaClient({
    baseUrl: mock.url,
    version: "v25.0",
    accessToken: "mock-token",
    phoneNumberId: PHONE_ID,
    wabaId: "200000000000001",
    fetch: counting,
  });
}

function startWorker(meta: MetaClient): DeliveryWorker {
  const limiter = createLimiter({
    redis: s.redis,
    keyPrefix: s.prefix,
    throughputMps: 1000,
    pairIntervalMs: 6000,
    pairBurst: 3,
  });
  const w = startDeliveryWorker({
    db: s.db,
    state: s.state,
    meta,
    limiter,
    phoneNumberId: PHONE_ID,
    log: silentLog,
    metrics,
    js: s.bus.js,
    names: s.names,
    concurrency: 16,
  });
  workers.push(w);
  return w;
}

const rowOf = (id: string) => s.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const settled = (id: string, status: string) =>
  waitFor(`${id} ${status}`, async () => {
    const r = await rowOf(id);
    return r.status === status ? r : null;
  });

async function enqueue(req: Parameters<Stack["messaging"]["enqueueOutbound"]>[0]): Promise<string> {
  const r = await s.messaging.enqueueOutbound(req, { actor: "agent" });
  if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
  return r.message_id;
}

beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
  mock = await startMockMeta({ port: 0, throughputMps: 1000, webhookTargetUrl: undefined });
  startWorker(metaClient());
});
afterAll(async () => {
  for (const w of workers) await w.close();
  await mock.close();
  await s.close();
});

describe("delivery worker", () => {
  it("sends a template: sent, wamid beside our id, last_outbound_at, one call", async () => {
    const to = phone();
    const id = await enqueue(orderUpdate(to));
    const row = await settled(id, "sent");
    expect(row.wamid).toMatch(/^wamid\./);
    expect(row).toMatchObject({ id, attempts: 1, phone_number_id: PHONE_ID, error_code: null });
    const calls = await callsTo(mock.url, to);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ wamid: row.wamid, biz_opaque_callback_data: id });
    const customer = await s.db
      .selectFrom("customers")
      .select("last_outbound_at")
      .where("customer_id", "=", to)
      .executeTakeFirstOrThrow();
    expect(customer.last_outbound_at).not.toBeNull();
  });

  it("sends a free-form reply inside the window", async () => {
    const to = phone();
    await mockPost(mock.url, "/_mock/inbound", { from: to, text: "hi" });
    await s.state.recordInbound({ customerId: to }, Date.now() - 500);
    const id = await enqueue({ to, content: { type: "text", text: "hello back" } });
    expect((await settled(id, "sent")).wamid).toBeTruthy();
  });

  it("sends once when the envelope arrives three times", async () => {
    const to = phone();
    const id = await enqueue(orderUpdate(to));
    await Promise.all(
      [1, 2].map((i) => publishOutbound(s.bus.js, s.names, { message_id: id }, { msgId: `${id}:dup${i}` })),
    );
    await settled(id, "sent");
    await new Promise((r) => setTimeout(r, 300)); // give the copies time to be handled
    expect(await callsTo(mock.url, to)).toHaveLength(1);
  });

  it("waits out a Meta-side error (133004, HTTP 503) without spending an attempt, then succeeds", async () => {
    const to = phone();
    await mockPost(mock.url, "/_mock/fail-next", { count: 1, code: 133004, to });
    const id = await enqueue(orderUpdate(to));
    const row = await settled(id, "sent");
    expect(row.attempts).toBe(1);
    expect((await callsTo(mock.url, to)).map((c) => c.code)).toEqual([133004, null]);
  });

  it("fails a permanent error with code, title, details and the catalog's explanation; the slot goes back", async () => {
    const to = "6281999990001"; // mock trigger: 131026
    await seedCustomer(s.db, to, { marketing: "granted" });
    const id = await enqueue({ to, content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] } });
    const row = await settled(id, "failed");
    expect(row).toMatchObject({ error_code: 131026, counts_toward_cap: false, attempts: 1, wamid: null });
    expect(row.error_title).toBeTruthy();
    expect(row.error_explanation).toMatch(/\w+/);
    const audit = await s.db
      .selectFrom("audit_logs")
      .select(["action", "details"])
      .where("subject_id", "=", id)
      .execute();
    expect(audit.map((a) => a.action)).toContain("message.failed");
    expect(await callsTo(mock.url, to)).toHaveLength(1);
  });

  it("records Meta's marketing opt-out (131050) as revoked consent, so the next marketing send is refused", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    await mockPost(mock.url, "/_mock/fail-next", { count: 1, code: 131050, to });
    const id = await enqueue({ to, content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] } });
    expect(await settled(id, "failed")).toMatchObject({ error_code: 131050 });
    const customer = await s.db
      .selectFrom("customers")
      .select(["marketing_consent", "marketing_consent_source"])
      .where("customer_id", "=", to)
      .executeTakeFirstOrThrow();
    expect(customer).toEqual({ marketing_consent: "revoked", marketing_consent_source: "meta_opt_out" });
    // The worker drops the cached copy right after its commit: wait until the cache has caught up with Postgres.
    await waitFor(
      "cache sees the revoke",
      async () => (await s.state.getCustomer({ customerId: to }))?.consent.marketing.status === "revoked",
    );
    const again = await s.messaging.enqueueOutbound(
      { to, content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] } },
      { actor: "agent" },
    );
    expect(again).toMatchObject({ ok: false, reason_code: "USER_OPTED_OUT" });
  });

  it("waits on 130429 and 131056 from Meta without spending attempts", async () => {
    const to = phone();
    await mockPost(mock.url, "/_mock/fail-next", { count: 1, code: 130429, to });
    const a = await enqueue(orderUpdate(to));
    const other = phone();
    await mockPost(mock.url, "/_mock/fail-next", { count: 1, code: 131056, to: other });
    const b = await enqueue(orderUpdate(other));
    const [ra, rb] = await Promise.all([settled(a, "sent"), settled(b, "sent")]);
    expect(ra.attempts).toBe(1);
    expect(rb.attempts).toBe(1);
    expect((await callsTo(mock.url, to)).map((c) => c.code)).toEqual([130429, null]);
    expect((await callsTo(mock.url, other)).map((c) => c.code)).toEqual([131056, null]);
  });

  it("does not send to a customer who opted out after the message was queued", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const offline = s.with({ js: null }); // queued, not yet published
    const r = await offline.enqueueOutbound(
      { to, content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] } },
      { actor: "agent" },
    );
    if (!r.ok) throw new Error(r.reason_code);
    await s.state.setConsent({ customerId: to }, { marketing: "revoked" }, { source: "inbound_keyword" });
    await publishOutbound(s.bus.js, s.names, { message_id: r.message_id });
    const row = await settled(r.message_id, "cancelled");
    expect(row).toMatchObject({ status_reason: "USER_OPTED_OUT", counts_toward_cap: false });
    expect(await callsTo(mock.url, to)).toHaveLength(0);
  });

  it("shares the work between two worker instances without duplicates", async () => {
    let first = 0;
    let second = 0;
    await workers[0]!.close();
    workers.length = 0;
    startWorker(metaClient(() => void (first += 1)));
    startWorker(metaClient(() => void (second += 1)));
    const tos = Array.from({ length: 300 }, () => phone());
    const ids = await Promise.all(tos.map((to) => enqueue(orderUpdate(to))));
    await waitFor("all sent", async () => {
      const n = await s.db
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("id", "in", ids)
        .where("status", "=", "sent")
        .executeTakeFirstOrThrow();
      return Number(n.n) === ids.length;
    });
    expect(first + second).toBe(300);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
    const stats = (await (await fetch(`${mock.url}/_mock/calls?limit=200000`)).json()) as {
      calls: { to: string; code: number | null }[];
    };
    const accepted = stats.calls.filter((c) => tos.includes(c.to) && c.code === null);
    expect(new Set(accepted.map((c) => c.to)).size).toBe(300);
    expect(accepted).toHaveLength(300);
  });
});
