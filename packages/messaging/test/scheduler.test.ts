import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompliance } from "@wa/compliance";
import { createDb } from "@wa/db";
import {
  dispatchDueBatch,
  nextDueAt,
  publishDueCampaigns,
  reconcileMemory,
  reconcileOnce,
  startScheduler,
  type SchedulerDeps,
} from "../src/index.js";
import {
  insertScheduled,
  openStack,
  orderUpdate,
  phone,
  seedCustomer,
  seedTemplates,
  silentLog,
  waitFor,
  type Stack,
} from "./support.js";

let s: Stack;
let deps: SchedulerDeps;
beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
  deps = { db: s.db, state: s.state, compliance: s.compliance, js: s.bus.js, names: s.names, log: silentLog };
});
afterAll(async () => {
  await s.close();
});

const statusOf = async (id: string) =>
  await s.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
/** What delivery workers would have done with everything queued so far: sent it, stream empty. */
async function drained(): Promise<void> {
  await s.db
    .updateTable("messages")
    .set({ status: "sent", sent_at: sql`now()` })
    .where("status", "in", ["queued", "retrying"])
    .execute();
  await s.bus.jsm.streams.purge(s.names.DELIVERY_STREAM);
}

const hh = (h: number) => `${String((h + 24) % 24).padStart(2, "0")}:00`;
const reconcile = { stuckQueuedMs: 1000, stuckSendingMs: 60_000, stuckRetryingMs: 600_000 };

describe("scheduler", () => {
  it("dispatches a due message on time: queued, published, audited", async () => {
    const sched = startScheduler({ ...deps, tickMs: 250, reconcile });
    try {
      const before = await s.streamCount();
      const at = new Date(Date.now() + 400);
      const r = await s.messaging.enqueueOutbound(orderUpdate(phone(), { deliver_at: at }), { actor: "agent" });
      if (!r.ok) throw new Error(r.reason_code);
      const row = await waitFor("queued", async () => {
        const x = await statusOf(r.message_id);
        return x.status === "queued" ? x : null;
      });
      expect(row.queued_at!.getTime()).toBeGreaterThanOrEqual(at.getTime());
      expect(await s.streamCount()).toBe(before + 1);
      const audit = await s.db
        .selectFrom("audit_logs")
        .select("action")
        .where("subject_id", "=", r.message_id)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(["message.scheduled", "message.dispatched"]);
    } finally {
      await sched.close();
    }
  });

  it("re-runs compliance at dispatch: a denial cancels the message with its reason", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const soon = new Date(Date.now() + 150);
    const m = await s.messaging.enqueueOutbound(
      { to, content: { type: "template", template_name: "welcome_offer", variables: ["A"] }, deliver_at: soon },
      { actor: "agent" },
    );
    const text = await s.messaging.enqueueOutbound(
      { to, content: { type: "text", text: "later" }, deliver_at: soon },
      { actor: "agent" },
    );
    if (!m.ok || !text.ok) throw new Error("not scheduled");
    await s.state.setConsent({ customerId: to }, { marketing: "revoked" }, { source: "agent" });
    await new Promise((r) => setTimeout(r, 200));
    const report = await dispatchDueBatch(deps);
    expect(report.cancelled).toBeGreaterThanOrEqual(2);
    expect(await statusOf(m.message_id)).toMatchObject({ status: "cancelled", status_reason: "USER_OPTED_OUT" });
    expect(await statusOf(text.message_id)).toMatchObject({ status: "cancelled", status_reason: "TEMPLATE_REQUIRED" });
  });

  it("reserves the marketing slot at dispatch; over the cap the message is held until a slot frees, not cancelled", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const soon = new Date(Date.now() + 1000); // still in the future after three enqueues on a busy machine
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await s.messaging.enqueueOutbound(
        { to, content: { type: "template", template_name: "welcome_offer", variables: [`v${i}`] }, deliver_at: soon },
        { actor: "agent" },
      );
      if (!r.ok) throw new Error(r.reason_code);
      ids.push(r.message_id);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, soon.getTime() - Date.now() + 50)));
    await dispatchDueBatch(deps);
    const rows = await Promise.all(ids.map(statusOf));
    expect(rows.filter((r) => r.status === "queued" && r.counts_toward_cap)).toHaveLength(2);
    const held = rows.filter((r) => r.status === "scheduled");
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ status_reason: "FREQUENCY_CAP_EXCEEDED", counts_toward_cap: false });
    expect(held[0]!.deliver_at!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000); // the oldest slot frees in ~24 h
    expect(held[0]!.error_explanation).toMatch(/held until a slot frees/);
    const audit = await s.db
      .selectFrom("audit_logs")
      .select(["action", "details"])
      .where("subject_id", "=", held[0]!.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain("message.held");
    expect((await dispatchDueBatch(deps)).queued).toBe(0); // not due again before then
  });

  it("two replicas dispatch 300 due messages exactly once", async () => {
    const before = await s.streamCount();
    const ids = await insertScheduled(
      s.db,
      Array.from({ length: 300 }, () => phone()),
      new Date(Date.now() + 300),
    );
    const a = startScheduler({ ...deps, tickMs: 100, reconcile, batchSize: 50 });
    const b = startScheduler({ ...deps, tickMs: 100, reconcile, batchSize: 50 });
    try {
      await waitFor("all queued", async () => {
        const n = await s.db
          .selectFrom("messages")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("id", "in", ids)
          .where("status", "=", "queued")
          .executeTakeFirstOrThrow();
        return Number(n.n) === 300;
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const audits = await s.db
      .selectFrom("audit_logs")
      .select("subject_id")
      .where("action", "=", "message.dispatched")
      .where("subject_id", "in", ids)
      .execute();
    expect(audits).toHaveLength(300);
    expect(await s.streamCount()).toBe(before + 300);
  });

  it("reconciles: republishes stuck queued rows and requeues rows stuck in sending", async () => {
    await drained();
    const offline = s.with({ js: null });
    const q = await offline.enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    const st = await offline.enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    if (!q.ok || !st.ok) throw new Error("not queued");
    await s.db
      .updateTable("messages")
      .set({ updated_at: sql`now() - interval '5 seconds'` })
      .where("id", "=", q.message_id)
      .execute();
    await s.db
      .updateTable("messages")
      .set({ status: "sending", sending_at: sql`now() - interval '2 minutes'` })
      .where("id", "=", st.message_id)
      .execute();
    const before = await s.streamCount();
    const r = await reconcileOnce(deps, reconcile);
    expect(r.requeued).toBe(1);
    expect(r.republished).toBe(2);
    expect((await statusOf(st.message_id)).status).toBe("queued");
    expect(await s.streamCount()).toBeGreaterThanOrEqual(before + 2);
    const again = await reconcileOnce(deps, reconcile); // just looked at: not again until another period
    expect(again.requeued).toBe(0);
  });

  it("does not copy stale queued rows into a backlog", async () => {
    await drained();
    const waiting = await s.messaging.enqueueOutbound(orderUpdate(phone()), { actor: "agent" }); // its envelope waits for a worker
    const lost = await s.with({ js: null }).enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    if (!waiting.ok || !lost.ok) throw new Error("not queued");
    await s.db
      .updateTable("messages")
      .set({ updated_at: sql`now() - interval '5 seconds'` })
      .where("id", "in", [waiting.message_id, lost.message_id])
      .execute();
    expect((await reconcileOnce(deps, reconcile)).republished).toBe(0); // a backlog: both wait
    await s.bus.jsm.streams.purge(s.names.DELIVERY_STREAM); // a worker took the waiting envelope…
    expect((await reconcileOnce(deps, reconcile)).republished).toBe(2); // …so both stale rows go out again
  });

  it("publishes a trigger for a due campaign without touching its status", async () => {
    const c = await s.db
      .insertInto("campaigns")
      .values({
        name: "due",
        type: "utility",
        template_name: "order_update",
        variables: JSON.stringify(["a", "b"]),
        audience_filter: "{}",
        scheduled_at: new Date(Date.now() - 1000),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(await publishDueCampaigns(deps)).toBe(1);
    expect(await publishDueCampaigns(deps)).toBe(0); // same msgId: dropped by the stream
    const info = await s.bus.jsm.streams.info(s.names.CAMPAIGN_STREAM);
    expect(Number(info.state.messages)).toBe(1);
    const row = await s.db.selectFrom("campaigns").select("status").where("id", "=", c.id).executeTakeFirstOrThrow();
    expect(row.status).toBe("scheduled");
  });

  it("holds a scheduled marketing message in quiet hours until they end, then dispatches it", async () => {
    const to = phone(); // +62: Asia/Jakarta
    await seedCustomer(s.db, to, { marketing: "granted" });
    const r = await s.messaging.enqueueOutbound(
      {
        to,
        content: { type: "template", template_name: "welcome_offer", variables: ["A"] },
        deliver_at: new Date(Date.now() + 100),
      },
      { actor: "agent" },
    );
    if (!r.ok) throw new Error(r.reason_code);
    // Jakarta's hour now; quiet from an hour before to 3 h after it, so the hour turning during the test
    // still leaves sending more than an hour away.
    const jh = (new Date().getUTCHours() + 7) % 24;
    await s.db
      .insertInto("policies")
      .values({
        id: "quiet-test",
        name: "Quiet",
        type: "time_restriction",
        message_type: "marketing",
        rules: JSON.stringify({ deny_after: hh(jh - 1), allow_after: hh(jh + 3), timezone: "recipient" }),
      })
      .execute();
    try {
      const quiet = {
        ...deps,
        compliance: createCompliance({ db: s.db, state: s.state, consentMode: "explicit", defaultCap: 2 }),
      };
      await new Promise((res) => setTimeout(res, 150));
      expect(await dispatchDueBatch(quiet)).toMatchObject({ queued: 0, cancelled: 0, held: 1 });
      const row = await statusOf(r.message_id);
      expect(row).toMatchObject({ status: "scheduled", status_reason: "POLICY_RESTRICTION" });
      expect(row.deliver_at!.getTime()).toBeGreaterThan(Date.now() + 3600_000); // allow_after, 2–3 h from now
      const audit = await s.db
        .selectFrom("audit_logs")
        .select(["action", "details"])
        .where("subject_id", "=", r.message_id)
        .where("action", "=", "message.held")
        .executeTakeFirstOrThrow();
      expect(audit.details).toMatchObject({ reason_code: "POLICY_RESTRICTION", until: row.deliver_at!.toISOString() });
      // When it may go (quiet hours over: the policy is gone here), it is dispatched, not cancelled.
      await s.db.deleteFrom("policies").where("id", "=", "quiet-test").execute();
      await s.db
        .updateTable("messages")
        .set({ deliver_at: new Date(Date.now() - 10) })
        .where("id", "=", r.message_id)
        .execute();
      const open = {
        ...deps,
        compliance: createCompliance({ db: s.db, state: s.state, consentMode: "explicit", defaultCap: 2 }),
      };
      await dispatchDueBatch(open);
      expect(await statusOf(r.message_id)).toMatchObject({
        status: "queued",
        status_reason: null,
        error_explanation: null,
      });
    } finally {
      await s.db.deleteFrom("policies").where("id", "=", "quiet-test").execute();
    }
  });

  it("never dispatches the held messages of a paused campaign; a cancelled campaign's leftovers end cancelled", async () => {
    const campaign = (status: "paused" | "cancelled") =>
      s.db
        .insertInto("campaigns")
        .values({
          name: `held-${status}`,
          type: "utility",
          template_name: "order_update",
          variables: JSON.stringify(["a", "b"]),
          audience_filter: "{}",
          scheduled_at: new Date(),
          status,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    const paused = await campaign("paused");
    const cancelled = await campaign("cancelled");
    const [p] = await insertScheduled(s.db, [phone()], new Date(Date.now() - 1000));
    const [c] = await insertScheduled(s.db, [phone()], new Date(Date.now() - 1000));
    await s.db.updateTable("messages").set({ campaign_id: paused.id }).where("id", "=", p!).execute();
    await s.db.updateTable("messages").set({ campaign_id: cancelled.id }).where("id", "=", c!).execute();
    await dispatchDueBatch(deps);
    expect(await statusOf(p!)).toMatchObject({ status: "scheduled" });
    expect(await statusOf(c!)).toMatchObject({ status: "cancelled", status_reason: "campaign_cancelled" });
    const next = await nextDueAt(deps);
    expect(next === null || next > Date.now() - 500).toBe(true); // the paused row is not "due" (no spin)
    await s.db.updateTable("campaigns").set({ status: "running" }).where("id", "=", paused.id).execute();
    await dispatchDueBatch(deps);
    expect(await statusOf(p!)).toMatchObject({ status: "queued" });
  });

  it("backs the stale republishing off while the workers cannot take the rows (issue 22 item 4)", async () => {
    await drained();
    const lost = await s.with({ js: null }).enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    if (!lost.ok) throw new Error("not queued");
    const stale = () =>
      s.db
        .updateTable("messages")
        .set({ updated_at: sql`now() - interval '5 seconds'` })
        .where("id", "=", lost.message_id)
        .execute();
    const memory = reconcileMemory();
    await stale();
    expect((await reconcileOnce(deps, reconcile, memory)).republished).toBe(1);
    // A worker took the envelope but could not claim the row (its Postgres is unreachable): still queued, stale again.
    await s.bus.jsm.streams.purge(s.names.DELIVERY_STREAM);
    await stale();
    expect((await reconcileOnce(deps, reconcile, memory)).republished).toBe(1); // no progress since: back off from here
    expect(memory.backoffMs).toBeGreaterThanOrEqual(reconcile.stuckQueuedMs);
    await s.bus.jsm.streams.purge(s.names.DELIVERY_STREAM);
    await stale();
    expect((await reconcileOnce(deps, reconcile, memory)).republished).toBe(0);
  });

  it("a failing round (Postgres unreachable) is logged once, not every tick, and the loop backs off", async () => {
    const errors: unknown[] = [];
    const log = { ...silentLog, error: (...a: unknown[]) => void errors.push(a) };
    const down = createDb("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    const sched = startScheduler({ ...deps, db: down, log, tickMs: 20, reconcile });
    try {
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await sched.close();
      await down.destroy();
    }
    expect(errors).toHaveLength(1);
  });
});
