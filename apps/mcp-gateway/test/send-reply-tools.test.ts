import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@wa/db";
import type { StateStore } from "@wa/state";
import { COLD, IN_WINDOW, IN_WINDOW_ID, outboundOnNats, setupSendEnv, type Env, type Gateway } from "./harness.js";

// Sending now: send_message, send_template, reply_customer (schedule and retry are in schedule-retry-tools.test.ts).
let env: Env;
let gw: Gateway;
let db: Db;
let state: StateStore;

beforeAll(async () => {
  ({ env, gw, db, state } = await setupSendEnv());
});
afterAll(async () => env?.close());

describe("send_message", () => {
  it("queues a service text inside the window: row, audit (actor agent) and a publish", async () => {
    const before = await outboundOnNats(gw);
    const r = await gw.call("send_message", { to: IN_WINDOW, text: "Your order ships today 📦", preview_url: false });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      status: "queued",
      customer_id: IN_WINDOW_ID,
      category: "service",
      duplicate: false,
      note: null,
    });
    const id = r.structured.message_id as string;
    const row = await db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "queued", kind: "text", direction: "outbound", category: "service" });
    expect(row.content).toMatchObject({ text: "Your order ships today 📦" });
    const audit = await db.selectFrom("audit_logs").selectAll().where("subject_id", "=", id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: "agent", action: "message.queued" });
    expect(await outboundOnNats(gw)).toBe(before + 1);
    const status = await gw.call("get_delivery_status", { message_id: id });
    expect(status.structured).toMatchObject({ message_id: id, status: "queued", customer_id: IN_WINDOW_ID });
  });

  it("answers TEMPLATE_REQUIRED outside the window, with the checks in details", async () => {
    const r = await gw.call("send_message", { to: COLD, text: "hello" });
    expect(r.isError).toBe(true);
    expect(r.structured.reason_code).toBe("TEMPLATE_REQUIRED");
    expect(r.structured.suggested_action).toMatch(/send_template/);
    expect((r.structured.details as { checks: unknown[] }).checks.length).toBeGreaterThan(0);
  });

  it("replays an idempotency key with the same content and refuses it with other content", async () => {
    const a = await gw.call("send_message", { to: IN_WINDOW, text: "once", idempotency_key: "k-1" });
    const b = await gw.call("send_message", { to: IN_WINDOW, text: "once", idempotency_key: "k-1" });
    expect(b.structured).toMatchObject({ message_id: a.structured.message_id, duplicate: true });
    const c = await gw.call("send_message", { to: IN_WINDOW, text: "twice", idempotency_key: "k-1" });
    expect(c.structured.reason_code).toBe("DUPLICATE_REQUEST");
  });

  it("answers POLICY_RESTRICTION when a business policy excludes the customer", async () => {
    const id = "447700900793";
    await state.recordInbound({ customerId: id }, Date.now() - 60_000);
    await state.updateTags({ customerId: id }, { add: ["bot_only"] });
    await db
      .insertInto("policies")
      .values({
        id: "bots_no_text",
        name: "No free text to bot-only customers",
        type: "segment_exclusion",
        message_type: "service",
        rules: JSON.stringify({ exclude_tag: "bot_only" }),
      })
      .execute();
    gw.clients.deps.compliance.invalidatePolicies();
    const r = await gw.call("send_message", { to: id, text: "hello" });
    expect(r.structured).toMatchObject({ reason_code: "POLICY_RESTRICTION", details: { policy_id: "bots_no_text" } });
  });

  it("from: this deployment's number (id or display number) sends; another number is refused, nothing queued", async () => {
    const id = gw.clients.deps.cfg.META_PHONE_NUMBER_ID;
    await db
      .insertInto("phone_numbers")
      .values({ phone_number_id: id, waba_id: "w", display_phone_number: "+1 555 010 0001" })
      .onConflict((oc) => oc.column("phone_number_id").doUpdateSet({ display_phone_number: "+1 555 010 0001" }))
      .execute();
    for (const from of [id, "+1 555-010-0001"]) {
      const ok = await gw.call("send_message", { to: IN_WINDOW, text: `from ${from}`, from });
      expect(ok.structured).toMatchObject({ status: "queued" });
    }
    const before = await db
      .selectFrom("messages")
      .select((e) => e.fn.countAll<string>().as("n"))
      .executeTakeFirst();
    const wrong = await gw.call("send_message", { to: IN_WINDOW, text: "x", from: "15550109999" });
    expect(wrong.structured).toMatchObject({
      reason_code: "NOT_FOUND",
      details: { numbers: [{ phone_number_id: id, display_phone_number: "+1 555 010 0001", business_id: "default" }] },
    });
    expect(wrong.structured.human_explanation).toMatch(/^from: .*15550109999/);
    const after = await db
      .selectFrom("messages")
      .select((e) => e.fn.countAll<string>().as("n"))
      .executeTakeFirst();
    expect(after?.n).toBe(before?.n);
  });

  it("refuses bad arguments with reason codes", async () => {
    expect((await gw.call("send_message", { to: "12", text: "x" })).structured.reason_code).toBe(
      "INVALID_PHONE_NUMBER",
    );
    expect((await gw.call("send_message", { to: IN_WINDOW, text: "" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("send_message", { to: IN_WINDOW, text: "x".repeat(4097) })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("send_message", { to: IN_WINDOW, text: "x", channel: "sms" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
  });
});

describe("send_template", () => {
  it("queues a utility template and takes its category", async () => {
    const r = await gw.call("send_template", { to: COLD, template_name: "order_update", variables: ["Ana", "A-1001"] });
    expect(r.structured).toMatchObject({ status: "queued", category: "utility", customer_id: COLD });
    const named = await gw.call("send_template", {
      to: COLD,
      template_name: "shipping_named",
      variables: { first_name: "Ana", order_id: "A-1" },
    });
    expect(named.structured).toMatchObject({ status: "queued", category: "utility" });
  });

  it.each([
    ["TEMPLATE_NOT_FOUND", { template_name: "nope_template" }],
    ["TEMPLATE_NOT_FOUND", { template_name: "order_update", locale: "fr", variables: ["a", "b"] }],
    ["TEMPLATE_NOT_APPROVED", { to: IN_WINDOW, template_name: "new_arrivals" }],
    ["TEMPLATE_VARIABLES_MISMATCH", { template_name: "order_update", variables: ["only one"] }],
    ["NO_OPT_IN", { template_name: "welcome_offer", variables: ["Ana"] }],
    ["INVALID_ARGUMENT", { template_name: "Order Update" }],
  ])("refuses %s", async (code, args) => {
    const r = await gw.call("send_template", { to: COLD, ...args });
    expect(r.isError).toBe(true);
    expect(r.structured.reason_code).toBe(code);
  });

  it("answers USER_OPTED_OUT, then FREQUENCY_CAP_EXCEEDED after two marketing sends, and POLICY_RESTRICTION", async () => {
    const out = "447700900789";
    await state.setConsent({ customerId: out }, { utility: "revoked" }, { source: "test" });
    const o = await gw.call("send_template", { to: out, template_name: "order_update", variables: ["a", "b"] });
    expect(o.structured.reason_code).toBe("USER_OPTED_OUT");

    const fan = "447700900790";
    await state.setConsent({ customerId: fan }, { marketing: "granted" }, { source: "test" });
    for (let i = 0; i < 2; i += 1) {
      const ok = await gw.call("send_template", { to: fan, template_name: "welcome_offer", variables: ["Ana"] });
      expect(ok.structured).toMatchObject({ status: "queued", category: "marketing" });
    }
    const capped = await gw.call("send_template", { to: fan, template_name: "welcome_offer", variables: ["Ana"] });
    expect(capped.structured.reason_code).toBe("FREQUENCY_CAP_EXCEEDED");
    expect((capped.structured.details as { resets_at: string }).resets_at).toBeTruthy();
    const cap = await gw.call("check_frequency_cap", { customer_id: fan });
    expect(cap.structured).toMatchObject({ is_capped: true, sent_last_24h: 2 });

    const vip = "447700900791";
    await state.setConsent({ customerId: vip }, { marketing: "granted" }, { source: "test" });
    await state.updateTags({ customerId: vip }, { add: ["do_not_promote"] });
    await db
      .insertInto("policies")
      .values({
        id: "dnp",
        name: "Do not promote",
        type: "segment_exclusion",
        message_type: "marketing",
        rules: JSON.stringify({ exclude_tag: "do_not_promote" }),
      })
      .execute();
    gw.clients.deps.compliance.invalidatePolicies();
    const p = await gw.call("send_template", { to: vip, template_name: "welcome_offer", variables: ["Ana"] });
    expect(p.structured.reason_code).toBe("POLICY_RESTRICTION");
    expect((p.structured.details as { policy_id: string }).policy_id).toBe("dnp");
  });

  it("refuses an idempotency key reused for another template", async () => {
    await gw.call("send_template", {
      to: COLD,
      template_name: "order_update",
      variables: ["a", "b"],
      idempotency_key: "t-1",
    });
    const r = await gw.call("send_template", {
      to: COLD,
      template_name: "order_update",
      variables: ["a", "c"],
      idempotency_key: "t-1",
    });
    expect(r.structured.reason_code).toBe("DUPLICATE_REQUEST");
  });
});

describe("reply_customer", () => {
  it("replies inside the window, quoting a message by wamid", async () => {
    const r = await gw.call("reply_customer", {
      customer_id: IN_WINDOW,
      message_text: "Thanks!",
      reply_to_message_id: "wamid.INBOUND1",
    });
    expect(r.structured).toMatchObject({ status: "queued", category: "service" });
    const row = await db
      .selectFrom("messages")
      .select("content")
      .where("id", "=", r.structured.message_id as string)
      .executeTakeFirstOrThrow();
    expect(row.content).toMatchObject({ text: "Thanks!", reply_to_wamid: "wamid.INBOUND1" });
  });

  it("answers WINDOW_CLOSED when the window is shut, NOT_FOUND for an unknown quoted id", async () => {
    const r = await gw.call("reply_customer", { customer_id: COLD, message_text: "Hi" });
    expect(r.structured.reason_code).toBe("WINDOW_CLOSED");
    const q = await gw.call("reply_customer", {
      customer_id: IN_WINDOW,
      message_text: "Hi",
      reply_to_message_id: "00000000-0000-4000-8000-000000000000",
    });
    expect(q.structured.reason_code).toBe("NOT_FOUND");
    expect((await gw.call("reply_customer", { customer_id: IN_WINDOW })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("reply_customer", { customer_id: "x", message_text: "Hi" })).structured.reason_code).toBe(
      "INVALID_PHONE_NUMBER",
    );
  });
});

describe("NATS down", () => {
  it("still queues (Postgres is the truth) and says delivery waits for the bus", async () => {
    const offline = await env.gateway({ NATS_URL: "nats://127.0.0.1:1" });
    const r = await offline.call("send_message", { to: IN_WINDOW, text: "while NATS is down" });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ status: "queued" });
    expect(r.structured.note).toMatch(/unreachable/);
    const sync = await offline.call("sync_webhooks", {});
    expect(sync.structured.notes).toBeDefined();
  });
});
