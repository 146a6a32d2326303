import { createDb, type Db } from "@wa/db";
import { createMetaClient } from "@wa/meta";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createLimiter } from "@wa/ratelimit";
import { hostPort, startTcpProxy, type TcpProxy } from "@wa/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDeliveryWorker, type DeliveryWorker } from "../src/index.js";
import { callsTo, openStack, orderUpdate, phone, seedTemplates, silentLog, waitFor, type Stack } from "./support.js";

// The worker's Postgres connection goes through a TCP proxy, cut while the fence before the Meta call
// (beginCall's meta_call_at stamp) runs: its commit lands but the answer is lost (chaos outages.test.ts flake).
const PHONE_ID = "100000000000001";
let s: Stack;
let mock: RunningMockMeta;
let proxy: TcpProxy;
let workerDb: Db;
let worker: DeliveryWorker;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
  mock = await startMockMeta({ port: 0, throughputMps: 1000, webhookTargetUrl: undefined });
  proxy = await startTcpProxy(hostPort(s.url));
  workerDb = createDb(proxy.url(s.url), { max: 4 });
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
    db: workerDb,
    state: s.state,
    meta,
    limiter,
    phoneNumberId: PHONE_ID,
    log: silentLog,
    js: s.bus.js,
    names: s.names,
    concurrency: 4,
    heartbeatMs: 200,
  });
});
afterAll(async () => {
  await worker.close();
  await workerDb.destroy();
  await proxy.close();
  await mock.close();
  await s.close();
});

it("a meta_call_at stamp committed while Postgres was cut is cleared by its worker: the message is sent once, not left maybe sent", async () => {
  const to = phone();
  // The first stamp of this customer's message is logged (in its own transaction) and then held for a second, so the
  // test can cut the connection while the statement runs; Postgres finishes and commits it, the answer is lost.
  await sql
    .raw(`
    CREATE TABLE stamp_log (message_id uuid NOT NULL);
    CREATE SEQUENCE stamp_hold_once;
    CREATE FUNCTION stamp_hold() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.customer_id = '${to}' AND NEW.meta_call_at IS NOT NULL AND OLD.meta_call_at IS NULL THEN
        INSERT INTO stamp_log VALUES (NEW.id);
        IF nextval('stamp_hold_once') = 1 THEN PERFORM pg_sleep(1); END IF;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER stamp_hold AFTER UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION stamp_hold();`)
    .execute(s.db);
  const r = await s.messaging.enqueueOutbound(orderUpdate(to), { actor: "agent" });
  if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
  await waitFor(
    "the stamp held",
    async () => {
      const held = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event = 'PgSleep'`.execute(s.db);
      return held.rows[0]!.n > 0;
    },
    10_000,
    10,
  );
  proxy.cut();
  await sleep(1500);
  proxy.restore();

  const row = await waitFor(
    "sent",
    async () => {
      const m = await s.db.selectFrom("messages").selectAll().where("id", "=", r.message_id).executeTakeFirstOrThrow();
      return m.status === "sent" ? m : null;
    },
    20_000,
  );
  const stamps = await sql<{ n: number }>`SELECT count(*)::int AS n FROM stamp_log`.execute(s.db);
  expect(stamps.rows[0]!.n).toBe(2); // the cut stamp did commit, and the second claim stamped again
  expect(row).toMatchObject({ attempts: 1, meta_call_at: expect.any(Date) });
  expect(await callsTo(mock.url, to)).toHaveLength(1);
});
