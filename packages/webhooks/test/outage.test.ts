// Issue 14 items 1 and 2: a Postgres outage never turns into a lost or dead-lettered body; a 131050 revoke
// commits with its status change.
import { connectBus, ensureTopology, OUTAGE_BACKOFF_MS, publishWebhookBody, runConsumer, type Bus } from "@wa/bus";
import {
  busNames,
  dropStreams,
  hostPort,
  startTcpProxy,
  type TcpProxy,
  TEST_NATS_URL,
  useTestDatabase,
  waitFor,
} from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookHandler } from "../src/index.js";
import { type Harness, harness, inboundBody, outbound, statusesBody, sql } from "./support.js";

const tdb = useTestDatabase();
const names = busNames();
let h: Harness; // direct: the test's own view
let cut: Harness; // the processor under test, through a proxy that can refuse Postgres
let proxy: TcpProxy;
let bus: Bus;
beforeAll(async () => {
  h = harness(tdb.url);
  proxy = await startTcpProxy(hostPort(tdb.url));
  cut = harness(proxy.url(tdb.url));
  bus = await connectBus({ url: TEST_NATS_URL, name: "outage-test" });
  await ensureTopology(bus.jsm, names);
});
afterAll(async () => {
  proxy.restore();
  await dropStreams(bus.jsm, names);
  await bus.close();
  await cut.close();
  await h.close();
  await proxy.close();
});

const T = Math.floor(Date.now() / 1000) - 60;
const count = async (table: "webhook_dead_letters" | "webhook_events") =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(h.db)).rows[0]!.n);
type Line = { msg?: string };
function memoryLog() {
  const lines: Line[] = [];
  const at = (obj: object, msg?: string) => void lines.push({ ...obj, msg });
  const log = { lines, info: at, warn: at, error: at, debug: at, child: () => log };
  return log;
}

describe("Postgres unreachable for the processor", () => {
  it("the final attempt parks nothing and drops nothing: the body is reported unavailable, then applied", async () => {
    const id = await outbound(h.db, { customerId: "6281400000001", wamid: "wamid.OUT.A" });
    const body = inboundBody([{ from: "6281400000002", id: "wamid.OUT.IN", ts: T, text: "hello" }]);
    const status = statusesBody([{ id: "wamid.OUT.A", status: "delivered", ts: T }]);
    proxy.cut();
    const during = await cut.processor.processBody(body, { final: true });
    const during2 = await cut.processor.processBody(status, { final: true });
    proxy.restore();
    expect(during).toMatchObject({ pending: 1, outcomes: { unavailable: 1, parked: 0, failed: 0 } });
    expect(during.fault).toBeInstanceOf(Error);
    expect(during2).toMatchObject({ pending: 1, outcomes: { unavailable: 1, parked: 0 } });
    expect(await count("webhook_dead_letters")).toBe(0);
    expect((await cut.processor.processBody(body)).outcomes.applied).toBe(1);
    expect((await cut.processor.processBody(status)).outcomes.applied).toBe(1);
    expect(
      (await h.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status,
    ).toBe("delivered");
  });

  it("through the consumer: bodies that arrive during the outage are all applied after it, the outage logged once", async () => {
    const log = memoryLog();
    const runner = runConsumer({
      js: bus.js,
      stream: names.WEBHOOK_STREAM,
      consumer: names.WEBHOOK_CONSUMER,
      inFlight: 8,
      log,
      backoffMs: OUTAGE_BACKOFF_MS.slice(0, 1),
      handle: createWebhookHandler(cut.processor, { parkAfter: 2 }),
    });
    try {
      proxy.cut();
      const bodies = Array.from({ length: 40 }, (_, i) =>
        inboundBody([{ from: `62814100${String(i).padStart(4, "0")}`, id: `wamid.OUTC${i}`, ts: T, text: "hi" }]),
      );
      for (const b of bodies)
        await publishWebhookBody(bus.js, names, new TextEncoder().encode(b), { receivedAt: Date.now() });
      // Every body fails far more often than parkAfter (2) while Postgres is gone: none may be parked or dropped.
      await new Promise((r) => setTimeout(r, 4000));
      proxy.restore();
      await waitFor(
        "all applied",
        async () =>
          (await h.db.selectFrom("messages").select("id").where("wamid", "like", "wamid.OUTC%").execute()).length ===
          40,
        30_000,
      );
      expect(await count("webhook_dead_letters")).toBe(0);
      const outage = log.lines.filter((l) => l.msg?.startsWith("handler threw"));
      expect(outage.length).toBeLessThanOrEqual(3); // its start in full, at most two other kinds of failure in one line
      expect(outage.filter((l) => "err" in l)).toHaveLength(1);
      expect(log.lines.filter((l) => l.msg === "message dropped" || l.msg?.includes("terminating"))).toHaveLength(0);
    } finally {
      proxy.restore();
      await runner.close();
    }
  });
});

describe("131050 (the user stopped marketing in WhatsApp)", () => {
  it("the consent revoke commits in the same transaction as the failed status: a failing revoke leaves neither", async () => {
    const customerId = "6281400000009";
    const id = await outbound(h.db, { customerId, wamid: "wamid.OPT.TX" });
    await h.db
      .updateTable("customers")
      .set({ marketing_consent: "granted" })
      .where("customer_id", "=", customerId)
      .execute();
    const body = statusesBody([
      { id: "wamid.OPT.TX", status: "failed", ts: T, errors: [{ code: 131050, title: "User stopped marketing" }] },
    ]);
    // A fault injected exactly between the two writes: the revoke's UPDATE of the customer row.
    await sql`CREATE FUNCTION test_refuse_revoke() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.marketing_consent = 'revoked' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`.execute(
      h.db,
    );
    await sql`CREATE TRIGGER test_refuse_revoke BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION test_refuse_revoke()`.execute(
      h.db,
    );
    try {
      expect((await h.processor.processBody(body)).outcomes.failed).toBe(1);
      expect(
        (await h.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status,
      ).toBe("sent");
    } finally {
      await sql`DROP TRIGGER test_refuse_revoke ON customers`.execute(h.db);
      await sql`DROP FUNCTION test_refuse_revoke()`.execute(h.db);
    }
    expect((await h.processor.processBody(body)).outcomes.applied).toBe(1); // the redelivery applies both
    expect(
      (await h.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status,
    ).toBe("failed");
    const c = await h.db
      .selectFrom("customers")
      .select(["marketing_consent", "marketing_consent_source"])
      .where("customer_id", "=", customerId)
      .executeTakeFirstOrThrow();
    expect(c).toEqual({ marketing_consent: "revoked", marketing_consent_source: "meta_opt_out" });
  });
});
