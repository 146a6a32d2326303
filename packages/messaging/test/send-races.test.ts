// Races between the send path, deliveries and status webhooks on one customer (issues 14 #5, #6 and 22 #3).
import { createDb, moveCampaignCounters, type Db } from "@wa/db";
import { createMetaClient, type MetaClient } from "@wa/meta";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createLimiter } from "@wa/ratelimit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claim } from "../src/delivery/claim.js";
import { markSent } from "../src/delivery/sent-batch.js";
import { startDeliveryWorker, type DeliveryWorker } from "../src/index.js";
import {
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
let worker: DeliveryWorker | null = null;
let workerDb: Db; // its own pool, like a separate delivery-worker process

beforeAll(async () => {
  s = await openStack();
  workerDb = createDb(s.url, { max: 10 });
  await seedTemplates(s.db);
  // No pair pacing: deliveries to one customer must run while the sends below arrive.
  mock = await startMockMeta({
    port: 0,
    throughputMps: 1000,
    pairBurst: 10_000,
    pairIntervalMs: 1,
    webhookTargetUrl: undefined,
  });
});
afterAll(async () => {
  await worker?.close();
  await mock.close();
  await workerDb.destroy();
  await s.close();
});

function start(meta: MetaClient): void {
  const limiter = createLimiter({
    redis: s.redis,
    keyPrefix: s.prefix,
    throughputMps: 1000,
    pairIntervalMs: 1,
    pairBurst: 10_000,
  });
  worker = startDeliveryWorker({
    db: workerDb,
    state: s.state,
    meta,
    limiter,
    phoneNumberId: PHONE_ID,
    log: silentLog,
    js: s.bus.js,
    names: s.names,
    concurrency: 16,
  });
}
async function restart(meta: MetaClient): Promise<void> {
  await worker?.close();
  start(meta);
}
const client = (): MetaClient =>
  createMetaClient({
    baseUrl: mock.url,
    version: "v25.0",
    accessToken: "mock-token",
    phoneNumberId: PHONE_ID,
    wabaId: "200000000000001",
  });
const welcome = (to: string, key?: string) => ({
  to,
  content: { type: "template" as const, template_name: "welcome_offer", variables: ["Ann"] },
  ...(key ? { idempotency_key: key } : {}),
});
function deferred(): { promise: Promise<void>; resolve: () => void } {
  const d = { promise: Promise.resolve(), resolve: (): void => {} };
  d.promise = new Promise<void>((r) => {
    d.resolve = r;
  });
  return d;
}
const deadlocks = async (): Promise<number> =>
  Number(
    (
      await sql<{ n: string }>`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`.execute(
        s.db,
      )
    ).rows[0]?.n ?? 0,
  );
const settledAll = (ids: readonly string[], status: string) =>
  waitFor(
    `${ids.length} ${status}`,
    async () => {
      const rows = await s.db.selectFrom("messages").select("status").where("id", "in", ids).execute();
      return rows.every((r) => r.status === status) ? rows : null;
    },
    30_000,
  );

describe("one lock order (customer, then message)", () => {
  it("50 concurrent keyed marketing sends while deliveries to the same customer run: one message, 49 duplicates, no fault", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted", utility: "granted" });
    const deadlocksBefore = await deadlocks();
    const quiet = s.with({ js: null });
    const utility = await Promise.all(
      Array.from({ length: 10 }, () => quiet.enqueueOutbound(orderUpdate(to), { actor: "agent" })),
    );
    // A transaction holding the customer row makes all 50 pass the replay check and queue on that lock. Once it
    // ends, the first writes the message; the delivery steps (claim, then markSent, on the worker's own pool) run
    // for it and for the utility messages while the other 49 still take the lock one by one.
    const gate = deferred();
    const isHeld = deferred();
    const holder = s.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM customers WHERE customer_id = ${to} FOR UPDATE`.execute(trx);
      isHeld.resolve();
      await gate.promise;
    });
    await isHeld.promise;
    const results = Array.from({ length: 50 }, () =>
      quiet.enqueueOutbound(welcome(to, `race-${to}`), { actor: "agent", tool: "send_template" }),
    );
    await new Promise((r) => setTimeout(r, 300));
    gate.resolve();
    await holder;
    const first = await waitFor(
      "the first keyed message",
      () => s.db.selectFrom("messages").select("id").where("idempotency_key", "=", `race-${to}`).executeTakeFirst(),
      10_000,
      1,
    );
    const deliveries = [first.id, ...utility.flatMap((u) => (u.ok ? [u.message_id] : []))].map(async (id) => {
      const row = await claim(workerDb, id);
      if (row)
        await markSent(
          workerDb,
          row,
          { wamid: `wamid.${id}`, input: to, waId: to, userId: null, messageStatus: null },
          PHONE_ID,
          new Date(),
        );
    });
    const settled = await Promise.allSettled([...results, ...deliveries]);
    expect(
      settled.filter((x) => x.status === "rejected").map((x) => String((x as PromiseRejectedResult).reason)),
    ).toEqual([]);
    const keyed = (await Promise.all(results)).map((r) =>
      r.ok ? { id: r.message_id, duplicate: r.duplicate } : { id: r.reason_code, duplicate: false },
    );
    expect(new Set(keyed.map((r) => r.id))).toEqual(new Set([first.id]));
    expect(keyed.filter((r) => r.duplicate)).toHaveLength(49);
    expect(
      (await s.db.selectFrom("messages").select("status").where("id", "=", first.id).executeTakeFirstOrThrow()).status,
    ).toBe("sent");
    // Not even a deadlock that a retry hid: the one lock order prevents them.
    await new Promise((r) => setTimeout(r, 1200)); // cumulative statistics are flushed about once a second
    expect(await deadlocks()).toBe(deadlocksBefore);
  });

  it("a concurrent duplicate of the send that took the last slot gets that send back, not FREQUENCY_CAP_EXCEEDED", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const first = await s.messaging.enqueueOutbound(welcome(to), { actor: "agent" }); // slot 1 of 2
    expect(first.ok).toBe(true);
    const dupes = await Promise.all(
      Array.from({ length: 12 }, () => s.messaging.enqueueOutbound(welcome(to, `last-${to}`), { actor: "agent" })),
    );
    expect(dupes.map((r) => (r.ok ? "ok" : r.reason_code))).toEqual(Array.from({ length: 12 }, () => "ok"));
    expect(new Set(dupes.map((r) => r.ok && r.message_id)).size).toBe(1);
  });

  it("a retried marketing message that still holds its slot is not refused by that slot", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const quiet = s.with({ js: null }); // nothing published: no worker touches these rows
    const sends = await Promise.all([
      quiet.enqueueOutbound(welcome(to), { actor: "agent" }),
      quiet.enqueueOutbound(welcome(to), { actor: "agent" }),
    ]);
    const id = sends[0]!.ok ? sends[0]!.message_id : "";
    // Meta took it (wamid), then failed it with a retryable error: the slot stays held (markFailed keeps it when a wamid exists).
    await s.db
      .updateTable("messages")
      .set({ status: "failed", wamid: `wamid.${id}`, counts_toward_cap: true, error_code: 131000 })
      .where("customer_id", "=", to)
      .where("id", "=", id)
      .execute();
    await s.db
      .updateTable("messages")
      .set({ status: "cancelled" })
      .where("customer_id", "=", to)
      .where("id", "<>", id)
      .execute();
    const [r] = await quiet.retryFailed([id], { actor: "agent" });
    expect(r).toEqual({ message_id: id, status: "retried" });
    expect(
      await s.db
        .selectFrom("messages")
        .select(["status", "counts_toward_cap"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: "queued", counts_toward_cap: true });
  });
});

describe("campaign counters", () => {
  it("a status webhook that beats markSent does not count the send twice", async () => {
    const base = client();
    // The processor applies Meta's `delivered` between Meta's answer and markSent (what a fast webhook does).
    const racing: MetaClient = {
      ...base,
      sendTemplate: async (req) => {
        const r = await base.sendTemplate(req);
        if (r.ok && req.bizOpaqueCallbackData) {
          const row = await sql<{ from_status: "sending"; campaign_id: string }>`
            WITH t AS (SELECT id, status, campaign_id FROM messages WHERE id = ${req.bizOpaqueCallbackData} FOR UPDATE)
            UPDATE messages m SET status = 'delivered', wamid = ${r.value.wamid}, sent_at = now(), delivered_at = now() FROM t
            WHERE m.id = t.id RETURNING t.status AS from_status, t.campaign_id`.execute(s.db);
          const x = row.rows[0]!;
          await moveCampaignCounters(s.db, x.campaign_id, x.from_status, "delivered");
        }
        return r;
      },
    };
    await restart(racing);
    const campaign = await s.db
      .insertInto("campaigns")
      .values({
        name: "race",
        type: "utility",
        template_name: "order_update",
        scheduled_at: new Date(),
        status: "running",
        variables: null,
        audience_filter: "{}",
        status_reason: null,
        cursor: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const tos = [phone(), phone(), phone()];
    const ids: string[] = [];
    for (const to of tos) {
      const r = await s.messaging.enqueueOutbound(orderUpdate(to, { campaign_id: campaign.id }), { actor: "system" });
      if (r.ok) ids.push(r.message_id);
    }
    await settledAll(ids, "delivered");
    await waitFor("markSent done", async () => {
      const rows = await s.db.selectFrom("messages").select("phone_number_id").where("id", "in", ids).execute();
      return rows.every((r) => r.phone_number_id === PHONE_ID) ? rows : null;
    });
    const c = await s.db
      .selectFrom("campaigns")
      .select(["sent_count", "delivered_count"])
      .where("id", "=", campaign.id)
      .executeTakeFirstOrThrow();
    expect(c).toEqual({ sent_count: 3, delivered_count: 3 });
  }, 90_000);
});
