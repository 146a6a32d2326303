import { randomUUID } from "node:crypto";
import { createMetaClient } from "@wa/meta";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createLimiter } from "@wa/ratelimit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markSent } from "../src/delivery/sent-batch.js";
import type { ClaimedRow } from "../src/delivery/types.js";
import {
  reconcileOnce,
  resumeSending,
  sendingPause,
  startDeliveryWorker,
  type DeliveryWorker,
  type SchedulerDeps,
} from "../src/index.js";
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

// The delivery lifecycle's edges (issue 14 items 2, 3, 4, 9; issue 20's 131057): each test fails on the code before.
const PHONE_ID = "100000000000001";
let s: Stack;
let mock: RunningMockMeta;
let worker: DeliveryWorker;
let deps: SchedulerDeps;

const rowOf = (id: string) => s.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const settled = (id: string, status: string) =>
  waitFor(`${id} ${status}`, async () => {
    const r = await rowOf(id);
    return r.status === status ? r : null;
  });
const auditOf = async (subject: string) =>
  await s.db
    .selectFrom("audit_logs")
    .select(["action", "actor", "details"])
    .where("subject_id", "=", subject)
    .orderBy("id")
    .execute();
const knobs = (patch: Record<string, unknown>) => mockPost(mock.url, "/_mock/config", patch);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function enqueue(req: Parameters<Stack["messaging"]["enqueueOutbound"]>[0], offline = false): Promise<string> {
  const m = offline ? s.with({ js: null }) : s.messaging;
  const r = await m.enqueueOutbound(req, { actor: "agent" });
  if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
  return r.message_id;
}

/** A unique number ending in one of mock-meta's trigger suffixes. */
const triggerPhone = (suffix: string) =>
  `6281${String(process.pid % 1000).padStart(3, "0")}${String(Date.now()).slice(-4)}${suffix}`;

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
    timeoutMs: 600,
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
    concurrency: 16,
    heartbeatMs: 200,
    pausePollMs: 100,
    pauseProbeMs: 300,
  });
  deps = { db: s.db, state: s.state, compliance: s.compliance, js: s.bus.js, names: s.names, log: silentLog };
});
afterAll(async () => {
  await worker.close();
  await mock.close();
  await s.close();
});

describe("outcomes that must not lose a fact (issue 14 items 2 and 4)", () => {
  it("commits the 131050 consent revoke with the failure: a fault in between loses neither", async () => {
    const to = triggerPhone("0003"); // mock trigger: 131050 on every send
    await seedCustomer(s.db, to, { marketing: "granted" });
    // The first revoke of this customer fails once (a sequence is not rolled back), like a fault between writes.
    await sql
      .raw(`
      CREATE SEQUENCE IF NOT EXISTS revoke_fault_once;
      CREATE OR REPLACE FUNCTION revoke_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.customer_id = '${to}' AND NEW.marketing_consent = 'revoked' AND OLD.marketing_consent <> 'revoked'
           AND nextval('revoke_fault_once') = 1 THEN RAISE EXCEPTION 'injected fault between the failure and the revoke'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER revoke_fault BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION revoke_fault();`)
      .execute(s.db);
    try {
      const id = await enqueue({
        to,
        content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] },
      });
      const customer = await waitFor(
        "consent revoked",
        async () => {
          const c = await s.db
            .selectFrom("customers")
            .select(["marketing_consent", "marketing_consent_source"])
            .where("customer_id", "=", to)
            .executeTakeFirstOrThrow();
          return c.marketing_consent === "revoked" ? c : null;
        },
        10_000,
      );
      expect(customer.marketing_consent_source).toBe("meta_opt_out");
      expect(await settled(id, "failed")).toMatchObject({ error_code: 131050 });
    } finally {
      await sql.raw("DROP TRIGGER revoke_fault ON customers; DROP FUNCTION revoke_fault();").execute(s.db);
    }
  });

  it("markSent keeps the error of a `failed` webhook that landed first", async () => {
    const id = await enqueue(orderUpdate(phone()), true);
    await s.db
      .updateTable("messages")
      .set({
        status: "failed",
        error_code: 131026,
        error_title: "Message undeliverable",
        error_explanation: "undeliverable",
        failed_at: new Date(),
      })
      .where("id", "=", id)
      .execute();
    const row = {
      ...(await rowOf(id)),
      marketing_consent: "unknown",
      utility_consent: "unknown",
      last_inbound_at: null,
    } as unknown as ClaimedRow;
    await markSent(s.db, row, { wamid: `wamid.${randomUUID()}` } as never, PHONE_ID, new Date());
    expect(await rowOf(id)).toMatchObject({
      status: "failed",
      error_code: 131026,
      error_title: "Message undeliverable",
      error_explanation: "undeliverable",
    });
  });

  it("retry_failed_messages does not resend a failure without a code unless Meta was unreachable", async () => {
    const unknown = await enqueue(orderUpdate(phone()), true);
    const network = await enqueue(orderUpdate(phone()), true);
    await s.db
      .updateTable("messages")
      .set({
        status: "failed",
        failed_at: new Date(),
        error_code: null,
        status_reason: "failed webhook without an error code",
      })
      .where("id", "=", unknown)
      .execute();
    await s.db
      .updateTable("messages")
      .set({
        status: "failed",
        failed_at: new Date(),
        error_code: null,
        status_reason: "network (transient) is out of attempts (3)",
      })
      .where("id", "=", network)
      .execute();
    const [a, b] = await s.messaging.retryFailed([unknown, network], { actor: "agent" });
    expect(a).toMatchObject({
      message_id: unknown,
      status: "skipped",
      reason: expect.stringMatching(/no Meta error code/),
    });
    expect(b).toMatchObject({ message_id: network, status: "retried" });
    expect((await rowOf(unknown)).status).toBe("failed");
  });
});

describe("Meta busy on its side: waits without spending attempts (issue 20)", () => {
  it("131057 (throughput upgrade in progress) is waited out like 130429", async () => {
    const to = phone();
    await mockPost(mock.url, "/_mock/fail-next", { count: 1, code: 131057, to });
    const id = await enqueue(orderUpdate(to));
    expect(await settled(id, "sent")).toMatchObject({ attempts: 1, error_code: null });
    expect((await callsTo(mock.url, to)).map((c) => c.code)).toEqual([131057, null]);
  });

  it("Meta answering 5xx is waited out: nothing retryable fails, no attempt is spent", async () => {
    const to = phone();
    await mockPost(mock.url, "/_mock/fail-next", { count: 3, code: 131000, to });
    const id = await enqueue(orderUpdate(to));
    expect(await settled(id, "sent")).toMatchObject({ attempts: 1 });
    expect((await callsTo(mock.url, to)).map((c) => c.code)).toEqual([131000, 131000, 131000, null]);
  });
});

describe("a send that may have reached Meta is not sent twice (issue 14 item 3)", () => {
  it("a timed-out call leaves the row maybe sent: not retried, not requeued by age", async () => {
    const to = phone();
    await knobs({ latency_ms: 1500 });
    let id: string;
    try {
      id = await enqueue(orderUpdate(to));
      await waitFor("maybe sent audited", async () =>
        (await auditOf(id)).some((a) => a.action === "message.maybe_sent"),
      );
    } finally {
      await knobs({ latency_ms: 0 });
    }
    await sleep(1500); // a retry would have reached Meta by now
    const row = await rowOf(id);
    expect(row).toMatchObject({ status: "sending", attempts: 1 });
    expect(row.meta_call_at).not.toBeNull();
    await s.db
      .updateTable("messages")
      .set({ sending_at: sql`now() - interval '10 minutes'` })
      .where("id", "=", id)
      .execute();
    expect(
      await reconcileOnce(deps, {
        stuckQueuedMs: 60_000,
        stuckSendingMs: 1000,
        stuckRetryingMs: 600_000,
        maybeSentWaitMs: 600_000,
      }),
    ).toMatchObject({ requeued: 0 });
    await sleep(500);
    expect((await rowOf(id)).status).toBe("sending");
    expect(await callsTo(mock.url, to)).toHaveLength(1);
  });

  it("after the bounded wait: resent when other status webhooks kept arriving, else failed SEND_UNCONFIRMED", async () => {
    const opts = { stuckQueuedMs: 60_000, stuckSendingMs: 60_000, stuckRetryingMs: 600_000, maybeSentWaitMs: 5000 };
    const maybe = async () => {
      const id = await enqueue(orderUpdate(phone()), true);
      await s.db
        .updateTable("messages")
        .set({
          status: "sending",
          attempts: 1,
          sending_at: sql`now() - interval '20 seconds'`,
          meta_call_at: sql`now() - interval '20 seconds'`,
        })
        .where("id", "=", id)
        .execute();
      return id;
    };
    await s.db.deleteFrom("webhook_events").execute();
    const silent = await maybe();
    const r1 = await reconcileOnce(deps, opts);
    expect(r1.unconfirmed).toBeGreaterThanOrEqual(1);
    const failed = await rowOf(silent);
    expect(failed).toMatchObject({ status: "failed", status_reason: "SEND_UNCONFIRMED", error_code: null });
    expect(failed.error_explanation).toMatch(/not sent again/);
    expect((await auditOf(silent)).map((a) => a.action)).toContain("message.failed");
    expect((await s.messaging.retryFailed([silent], { actor: "agent" }))[0]).toMatchObject({ status: "skipped" });

    const answered = await maybe();
    await s.db
      .insertInto("webhook_events")
      .values({ event_key: `status:${randomUUID()}`, kind: "status" })
      .execute();
    const r2 = await reconcileOnce(deps, opts);
    expect(r2.requeued).toBeGreaterThanOrEqual(1);
    expect(await settled(answered, "sent")).toMatchObject({ attempts: 2 });

    // Or: a message called after this one already has its `delivered` webhook (and then the webhooks went quiet).
    await s.db.deleteFrom("webhook_events").execute();
    const quiet = await maybe();
    const newer = await enqueue(orderUpdate(phone()), true);
    await s.db
      .updateTable("messages")
      .set({
        status: "delivered",
        wamid: `wamid.${randomUUID()}`,
        meta_call_at: sql`now() - interval '15 seconds'`,
        sent_at: sql`now()`,
        delivered_at: sql`now()`,
      })
      .where("id", "=", newer)
      .execute();
    expect((await reconcileOnce(deps, opts)).requeued).toBeGreaterThanOrEqual(1);
    expect(await settled(quiet, "sent")).toMatchObject({ attempts: 2 });
  });
});

describe("account-level errors stop the number's sending (issue 14 item 9)", () => {
  it("190 mid-burst: sending pauses, nothing fails or spends an attempt, a probe resumes it when the token works", async () => {
    await knobs({ token_revoked: true });
    const tos = [phone(), phone(), phone()];
    const ids: string[] = [];
    try {
      for (const to of tos) ids.push(await enqueue(orderUpdate(to)));
      const pause = await waitFor("paused", () => sendingPause(s.db, PHONE_ID));
      expect(pause).toMatchObject({ reason_code: "SENDING_PAUSED", error_code: 190 });
      expect(pause.human_explanation).toMatch(/Queued messages wait/);
      await waitFor("probed", async () => {
        const p = await s.db
          .selectFrom("sending_pauses")
          .select("probes")
          .where("phone_number_id", "=", PHONE_ID)
          .executeTakeFirst();
        return (p?.probes ?? 0) >= 2;
      });
      const rows = await Promise.all(ids.map(rowOf));
      for (const r of rows) expect(r).toMatchObject({ status: "queued", attempts: 0, error_code: null });
    } finally {
      await knobs({ token_revoked: false });
    }
    for (const id of ids) expect(await settled(id, "sent")).toMatchObject({ attempts: 1 });
    expect(await sendingPause(s.db, PHONE_ID)).toBeNull();
    const audit = await auditOf(PHONE_ID);
    expect(audit.map((a) => a.action)).toEqual(["sending.paused", "sending.resumed"]);
    expect(audit[1]).toMatchObject({ actor: "system" });
    for (const id of ids) expect((await auditOf(id)).map((a) => a.action)).not.toContain("message.failed");
  });

  it("an operator resumes a paused number (resumeSending), audited", async () => {
    await knobs({ token_revoked: true });
    let id: string;
    try {
      id = await enqueue(orderUpdate(phone()));
      await waitFor("paused", () => sendingPause(s.db, PHONE_ID));
      // No probe within the test: only the operator can resume.
      await s.db.updateTable("sending_pauses").set({ probe_at: sql`now() + interval '1 hour'` }).execute();
      await sleep(300);
      expect(await rowOf(id)).toMatchObject({ status: "queued", attempts: 0 });
    } finally {
      await knobs({ token_revoked: false });
    }
    expect(await resumeSending(s.db, PHONE_ID, { actor: "operator", reason: "token replaced" })).toBe(true);
    expect(await settled(id, "sent")).toMatchObject({ attempts: 1 });
    const audit = await auditOf(PHONE_ID);
    expect(audit.at(-1)).toMatchObject({ action: "sending.resumed", actor: "operator" });
  });
});
