import { explainMetaError } from "@wa/meta";
import { busNames } from "@wa/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStack, orderUpdate, phone, seedCustomer, seedTemplates, type Stack } from "./support.js";

let s: Stack;
beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
});
afterAll(async () => {
  await s.close();
});

describe("enqueueOutbound", () => {
  it("queues a utility template: row, audit entry, envelope on the outbound subject", async () => {
    const before = await s.streamCount();
    const to = phone();
    const r = await s.messaging.enqueueOutbound(orderUpdate(`+${to.slice(0, 2)} ${to.slice(2)}`), {
      actor: "agent",
      tool: "send_template",
    });
    expect(r).toMatchObject({
      ok: true,
      status: "queued",
      category: "utility",
      customer_id: to,
      duplicate: false,
      published: true,
    });
    if (!r.ok) return;
    const row = await s.db.selectFrom("messages").selectAll().where("id", "=", r.message_id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: "queued",
      kind: "template",
      template_name: "order_update",
      counts_toward_cap: false,
      direction: "outbound",
    });
    expect(row.queued_at).not.toBeNull();
    const audit = await s.db.selectFrom("audit_logs").selectAll().where("subject_id", "=", r.message_id).execute();
    expect(audit.map((a) => a.action)).toEqual(["message.queued"]);
    expect(audit[0]?.details).toMatchObject({ tool: "send_template", customer_id: to });
    expect(await s.streamCount()).toBe(before + 1);
  });

  it("replays an idempotency key with the same content and refuses it with different content", async () => {
    const to = phone();
    const first = await s.messaging.enqueueOutbound(orderUpdate(to, { idempotency_key: `k-${to}` }), {
      actor: "agent",
    });
    const again = await s.messaging.enqueueOutbound(orderUpdate(`+${to}`, { idempotency_key: `k-${to}` }), {
      actor: "agent",
    });
    expect(first.ok && again.ok && again.message_id === first.message_id && again.duplicate).toBe(true);
    const other = await s.messaging.enqueueOutbound(
      {
        to,
        idempotency_key: `k-${to}`,
        content: { type: "template", template_name: "order_update", variables: ["Bob", "B-2"] },
      },
      { actor: "agent" },
    );
    expect(other).toMatchObject({ ok: false, reason_code: "DUPLICATE_REQUEST" });
    const rows = await s.db.selectFrom("messages").select("id").where("customer_id", "=", to).execute();
    expect(rows).toHaveLength(1);
  });

  it("concurrent calls with one key write one row and all get its id", async () => {
    const to = phone();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        s.messaging.enqueueOutbound(orderUpdate(to, { idempotency_key: `c-${to}` }), { actor: "agent" }),
      ),
    );
    const ids = new Set(results.map((r) => (r.ok ? r.message_id : r.reason_code)));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.ok && !r.duplicate)).toHaveLength(1);
  });

  it("holds the marketing cap exactly under 20 concurrent sends (cap 2)", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const send = () =>
      s.messaging.enqueueOutbound(
        { to, content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] } },
        { actor: "agent" },
      );
    const results = await Promise.all(Array.from({ length: 20 }, send));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    const refused = results.filter((r) => !r.ok);
    expect(new Set(refused.map((r) => !r.ok && r.reason_code))).toEqual(new Set(["FREQUENCY_CAP_EXCEEDED"]));
    expect(refused.every((r) => !r.ok && typeof r.details?.resets_at === "string")).toBe(true);
    const held = await s.db
      .selectFrom("messages")
      .select("id")
      .where("customer_id", "=", to)
      .where("counts_toward_cap", "=", true)
      .execute();
    expect(held).toHaveLength(2);
  });

  it("answers compliance denials as values with the engine's explanation", async () => {
    const to = phone();
    const text = await s.messaging.enqueueOutbound(
      { to, content: { type: "text", text: "hello" } },
      { actor: "agent" },
    );
    expect(text).toMatchObject({ ok: false, reason_code: "TEMPLATE_REQUIRED" });
    const reply = await s.messaging.enqueueOutbound(
      { to, content: { type: "text", text: "hello" } },
      { actor: "agent", windowClosedCode: "WINDOW_CLOSED" },
    );
    expect(reply).toMatchObject({ ok: false, reason_code: "WINDOW_CLOSED" });
    if (!reply.ok) expect(reply.details?.checks?.length).toBeGreaterThan(0);
    const optedOut = phone();
    await seedCustomer(s.db, optedOut, { marketing: "revoked" });
    expect(
      await s.messaging.enqueueOutbound(
        { to: optedOut, content: { type: "template", template_name: "welcome_offer", variables: ["x"] } },
        { actor: "agent" },
      ),
    ).toMatchObject({ ok: false, reason_code: "USER_OPTED_OUT" });
    expect(await s.messaging.enqueueOutbound(orderUpdate("12"), { actor: "agent" })).toMatchObject({
      ok: false,
      reason_code: "INVALID_PHONE_NUMBER",
    });
    expect(await s.messaging.enqueueOutbound(orderUpdate(to, { channel: "sms" }), { actor: "agent" })).toMatchObject({
      ok: false,
      reason_code: "INVALID_ARGUMENT",
    });
    expect(
      await s.messaging.enqueueOutbound({ to, content: { type: "text", text: "" } }, { actor: "agent" }),
    ).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
    expect(
      await s.db.selectFrom("messages").select("id").where("customer_id", "in", [to, optedOut]).execute(),
    ).toHaveLength(0);
  });

  it("sends a reply inside the window, quoting the inbound message's wamid", async () => {
    const to = phone();
    await s.state.recordInbound({ customerId: to }, Date.now() - 1000);
    const inbound = await s.db
      .insertInto("messages")
      .values({
        customer_id: to,
        direction: "inbound",
        kind: "text",
        content: "{}",
        status: "received",
        wamid: `wamid.in.${to}`,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const r = await s.messaging.enqueueOutbound(
      { to, content: { type: "text", text: "thanks", reply_to_message_id: inbound.id } },
      { actor: "agent", tool: "reply_customer" },
    );
    expect(r).toMatchObject({ ok: true, category: "service", status: "queued" });
    if (!r.ok) return;
    const row = await s.db
      .selectFrom("messages")
      .select("content")
      .where("id", "=", r.message_id)
      .executeTakeFirstOrThrow();
    expect(row.content).toMatchObject({ type: "text", text: "thanks", reply_to_wamid: `wamid.in.${to}` });
  });

  it("keeps the row queued and still succeeds when NATS is absent or publishing fails", async () => {
    const none = s.with({ js: () => null });
    const a = await none.enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    expect(a).toMatchObject({ ok: true, status: "queued", published: false });
    const noStream = s.with({ names: busNames(), publishTimeoutMs: 300 }); // no stream for these subjects
    const b = await noStream.enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    expect(b).toMatchObject({ ok: true, status: "queued", published: false });
  });

  it("schedules: consent checked now, no slot held, deliver_at validated", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const r = await s.messaging.enqueueOutbound(
      {
        to,
        message_type: "marketing",
        content: { type: "template", template_name: "welcome_offer", variables: ["A"] },
        deliver_at: at,
      },
      { actor: "agent", tool: "schedule_message" },
    );
    expect(r).toMatchObject({ ok: true, status: "scheduled", deliver_at: at, published: false });
    const text = await s.messaging.enqueueOutbound(
      { to, content: { type: "text", text: "later" }, deliver_at: at },
      { actor: "agent" },
    );
    expect(text).toMatchObject({ ok: true, status: "scheduled" }); // the window is checked at dispatch
    const held = await s.db
      .selectFrom("messages")
      .select("id")
      .where("customer_id", "=", to)
      .where("counts_toward_cap", "=", true)
      .execute();
    expect(held).toHaveLength(0);
    const revoked = phone();
    await seedCustomer(s.db, revoked, { marketing: "revoked" });
    expect(
      await s.messaging.enqueueOutbound(
        {
          to: revoked,
          content: { type: "template", template_name: "welcome_offer", variables: ["A"] },
          deliver_at: at,
        },
        { actor: "agent" },
      ),
    ).toMatchObject({ ok: false, reason_code: "USER_OPTED_OUT" });
    expect(
      await s.messaging.enqueueOutbound(orderUpdate(to, { deliver_at: new Date(Date.now() - 60_000) }), {
        actor: "agent",
      }),
    ).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
    expect(
      await s.messaging.enqueueOutbound(orderUpdate(to, { deliver_at: new Date(Date.now() + 31 * 86_400_000) }), {
        actor: "agent",
      }),
    ).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
  });
});

describe("cancelMessage and retryFailed", () => {
  it("cancels a scheduled message once", async () => {
    const r = await s.messaging.enqueueOutbound(orderUpdate(phone(), { deliver_at: new Date(Date.now() + 600_000) }), {
      actor: "agent",
    });
    if (!r.ok) throw new Error("not scheduled");
    expect(await s.messaging.cancelMessage(r.message_id, { actor: "agent", reason: "customer asked" })).toMatchObject({
      ok: true,
      status: "cancelled",
      from_status: "scheduled",
    });
    expect(await s.messaging.cancelMessage(r.message_id, { actor: "agent" })).toMatchObject({
      ok: false,
      reason_code: "INVALID_STATE_TRANSITION",
    });
    expect(await s.messaging.cancelMessage("00000000-0000-4000-8000-000000000000", { actor: "agent" })).toMatchObject({
      ok: false,
      reason_code: "NOT_FOUND",
    });
  });

  it("retries failed messages with retryable codes only", async () => {
    const permanent = [130472, 131026, 132000].find((c) => !explainMetaError(c).can_retry);
    expect(permanent).toBeDefined();
    const ids: string[] = [];
    for (const code of [131000, permanent!]) {
      const r = await s.messaging.enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
      if (!r.ok) throw new Error("not queued");
      await s.db
        .updateTable("messages")
        .set({ status: "failed", error_code: code, attempts: 3, failed_at: sql`now()` })
        .where("id", "=", r.message_id)
        .execute();
      ids.push(r.message_id);
    }
    const queued = await s.messaging.enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    if (!queued.ok) throw new Error("not queued");
    const out = await s.messaging.retryFailed([...ids, queued.message_id, "nope"], { actor: "agent" });
    expect(out.map((o) => o.status)).toEqual(["retried", "skipped", "skipped", "skipped"]);
    expect(out[2]?.reason).toMatch(/^INVALID_STATE_TRANSITION/);
    expect(out[3]?.reason).toMatch(/^NOT_FOUND/);
    const row = await s.db.selectFrom("messages").selectAll().where("id", "=", ids[0]!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "queued", attempts: 0, error_code: null });
  });
});
