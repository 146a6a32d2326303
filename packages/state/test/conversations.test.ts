import { describe, expect, it } from "vitest";
import { createStateStore } from "../src/index.js";
import { phone, useStateEnv } from "./helpers.js";

const env = useStateEnv();
const H = 60 * 60 * 1000;
const T0 = Date.parse("2025-06-01T10:00:00Z");

function clockedStore(start = T0) {
  let t = start;
  const s = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => t });
  return { s, set: (ms: number) => (t = ms) };
}

describe("conversations (the care window)", () => {
  it("opens from the message's own timestamp, expires 24 h later, and caches with TTL = time left", async () => {
    const { s } = clockedStore();
    const id = phone();
    const sentAt = T0 - 3 * H; // received now, written three hours ago
    const { window, customer } = await s.recordInbound({ customerId: id }, new Date(sentAt));
    expect(window).toMatchObject({
      open: true,
      lastInboundAt: new Date(sentAt),
      expiresAt: new Date(sentAt + 24 * H),
      remainingMs: 21 * H,
    });
    expect(customer.lastInboundAt).toEqual(new Date(sentAt));
    const ttl = await env.redis.pttl(`${env.prefix}conv:${id}:whatsapp:-`);
    // TTL is counted from the store's clock (T0) and Redis keeps it in real ms.
    expect(ttl).toBeGreaterThan(21 * H - 5_000);
    expect(ttl).toBeLessThanOrEqual(21 * H);
    expect(customer.consent.marketing.status).toBe("unknown"); // writing to us is not marketing consent
  });

  it("refreshes the one active conversation; an older message never moves the window back", async () => {
    const { s } = clockedStore();
    const id = phone();
    const first = await s.recordInbound({ customerId: id }, T0 - 2 * H);
    const second = await s.recordInbound({ customerId: id }, T0 - H);
    const late = await s.recordInbound({ customerId: id }, T0 - 5 * H); // delivered out of order
    expect(second.window.conversationId).toBe(first.window.conversationId);
    expect(late.window.expiresAt).toEqual(new Date(T0 - H + 24 * H));
    expect(late.window.openedAt).toEqual(new Date(T0 - 2 * H));
    const rows = await env.db.selectFrom("conversations").selectAll().where("customer_id", "=", id).execute();
    expect(rows).toHaveLength(1);
  });

  it("starts a new session when a message arrives after the window expired, and clamps future timestamps", async () => {
    const { s, set } = clockedStore();
    const id = phone();
    await s.recordInbound({ customerId: id }, T0);
    set(T0 + 30 * H);
    const next = await s.recordInbound({ customerId: id }, T0 + 29 * H);
    expect(next.window.openedAt).toEqual(new Date(T0 + 29 * H));
    const future = await s.recordInbound({ customerId: id }, T0 + 40 * H); // a skewed clock cannot extend the window
    expect(future.window.lastInboundAt).toEqual(new Date(T0 + 30 * H));
  });

  it("reads the window from Redis first and falls back to Postgres when the key is gone", async () => {
    const { s, set } = clockedStore();
    const id = phone();
    await s.recordInbound({ customerId: id }, T0 - H);
    expect((await s.getWindow({ customerId: id })).open).toBe(true);
    await env.redis.del(`${env.prefix}conv:${id}:whatsapp:-`);
    const w = await s.getWindow({ customerId: id });
    expect(w).toMatchObject({ open: true, remainingMs: 23 * H });
    expect(await env.redis.exists(`${env.prefix}conv:${id}:whatsapp:-`)).toBe(1); // put back
    set(T0 + 23 * H);
    expect(await s.getWindow({ customerId: id })).toMatchObject({ open: false, remainingMs: 0 });
    expect((await s.getWindow({ customerId: phone() })).open).toBe(false); // nobody
  });

  it("records outbound sends on the customer and the active conversation", async () => {
    const { s } = clockedStore();
    const id = phone();
    await s.recordInbound({ customerId: id }, T0 - H);
    await s.recordOutbound({ customerId: id }, T0 - 30 * 60_000);
    const w = await s.getWindow({ customerId: id });
    expect(w.lastOutboundAt).toEqual(new Date(T0 - 30 * 60_000));
    expect((await s.getCustomer({ customerId: id }))?.lastOutboundAt).toEqual(new Date(T0 - 30 * 60_000));
  });

  it("archives only closed conversations (CONVERSATION_ACTIVE while open), with an audit entry", async () => {
    const { s, set } = clockedStore();
    const id = phone();
    const { window } = await s.recordInbound({ customerId: id }, T0 - H);
    const convId = window.conversationId!;
    const active = await s.archiveConversation(convId);
    expect(active).toMatchObject({ ok: false, reason_code: "CONVERSATION_ACTIVE" });
    if (!active.ok) expect(active.suggested_action).toContain("archive_chat");
    expect(await s.archiveConversation("not-a-uuid")).toMatchObject({ ok: false, reason_code: "NOT_FOUND" });
    expect(await s.archiveConversation("00000000-0000-4000-8000-000000000000")).toMatchObject({
      ok: false,
      reason_code: "NOT_FOUND",
    });

    set(T0 + 24 * H);
    const done = await s.archiveConversation(convId, "operator");
    expect(done).toMatchObject({
      ok: true,
      fromType: "customer_service",
      conversation: { status: "archived", id: convId },
    });
    expect(await s.archiveConversation(convId)).toMatchObject({ ok: true }); // idempotent
    const audit = await env.db.selectFrom("audit_logs").selectAll().where("subject_id", "=", convId).execute();
    expect(audit.map((a) => [a.actor, a.action])).toEqual([["operator", "conversation.archived"]]);

    const reopened = await s.recordInbound({ customerId: id }, T0 + 24 * H);
    expect(reopened.window.conversationId).not.toBe(convId); // a new active conversation
  });

  it("lists conversations by status with totals and paging", async () => {
    const { s, set } = clockedStore(Date.parse("2030-01-01T00:00:00Z"));
    const base = Date.parse("2030-01-01T00:00:00Z");
    const ch = "test-list"; // own channel: rows of other tests in this file stay out
    const ids = [phone(), phone(), phone(), phone()];
    await s.recordInbound({ customerId: ids[0]!, channel: ch }, base - H); // open, 23 h left
    await s.recordInbound({ customerId: ids[1]!, channel: ch }, base - 23 * H); // expiring soon (1 h)
    await s.recordInbound({ customerId: ids[2]!, channel: ch }, base - 30 * H); // closed
    await s.recordInbound({ customerId: ids[3]!, channel: ch }, base - 48 * H); // closed, then archived
    const conv3 = (await s.listConversations({ channel: ch, status: "closed" })).conversations.find(
      (c) => c.customerId === ids[3],
    );
    expect((await s.archiveConversation(conv3!.id)).ok).toBe(true);
    set(base);

    const all = await s.listConversations({ channel: ch });
    expect(all.total).toBe(3);
    expect(all.conversations.map((c) => c.customerId)).toEqual([ids[0], ids[1], ids[2]]);
    expect((await s.listConversations({ channel: ch, status: "open" })).total).toBe(2);
    expect(
      (await s.listConversations({ channel: ch, status: "expiring_soon" })).conversations.map((c) => c.customerId),
    ).toEqual([ids[1]]);
    expect(
      (await s.listConversations({ channel: ch, status: "closed" })).conversations.map((c) => c.customerId),
    ).toEqual([ids[2]]);
    expect((await s.listConversations({ channel: ch, status: "archived" })).conversations[0]).toMatchObject({
      status: "archived",
      windowOpen: false,
    });
    const page = await s.listConversations({ channel: ch }, 1, 1);
    expect(page).toMatchObject({ total: 3, conversations: [{ customerId: ids[1] }] });
  });

  it("keeps one window per (number, customer): writing to number A opens nothing on number B", async () => {
    let t = T0;
    const s = createStateStore({
      db: env.db,
      redis: env.redis,
      keyPrefix: env.prefix,
      now: () => t,
      phoneNumberId: "111",
    });
    const id = phone();
    await s.recordInbound({ customerId: id }, T0 - H); // to the store's number (A = 111)
    expect((await s.getWindow({ customerId: id })).open).toBe(true);
    expect((await s.getWindow({ customerId: id, phoneNumberId: "111" })).open).toBe(true);
    expect((await s.getWindow({ customerId: id, phoneNumberId: "222" })).open).toBe(false);
    await s.recordInbound({ customerId: id, phoneNumberId: "222" }, T0 - 30 * 60_000);
    const b = await s.getWindow({ customerId: id, phoneNumberId: "222" });
    expect(b.expiresAt).toEqual(new Date(T0 - 30 * 60_000 + 24 * H));
    const a = await s.getWindow({ customerId: id });
    expect(a.expiresAt).toEqual(new Date(T0 - H + 24 * H)); // B's message did not move A's window
    const rows = await env.db
      .selectFrom("conversations")
      .select("phone_number_id")
      .where("customer_id", "=", id)
      .execute();
    expect(rows.map((r) => r.phone_number_id).toSorted()).toEqual(["111", "222"]);
    await env.redis.del(`${env.prefix}conv:${id}:whatsapp:222`); // a lost key: Postgres answers per number too
    expect((await s.getWindow({ customerId: id, phoneNumberId: "222" })).expiresAt).toEqual(b.expiresAt);
    t = T0 + 23.25 * H; // A (T0 + 23 h) has closed, B (T0 + 23.5 h) has not
    expect((await s.getWindow({ customerId: id })).open).toBe(false);
    expect((await s.getWindow({ customerId: id, phoneNumberId: "222" })).open).toBe(true);
  });
});
