import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@wa/db";
import type { StateStore } from "@wa/state";
import { COLD, IN_WINDOW, IN_WINDOW_ID, outboundOnNats, setupSendEnv, type Env, type Gateway } from "./harness.js";

// Sending later or again: schedule_message and retry_failed_messages (sending now is in send-reply-tools.test.ts).
let env: Env;
let gw: Gateway;
let db: Db;
let state: StateStore;

const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

beforeAll(async () => {
  ({ env, gw, db, state } = await setupSendEnv());
});
afterAll(async () => env?.close());

describe("schedule_message", () => {
  it("schedules text and templates for later; the window is checked at dispatch, not now", async () => {
    const t = await gw.call("schedule_message", {
      customer_id: COLD,
      message_type: "service",
      content: { type: "text", text: "Later" },
      deliver_at: soon(2),
    });
    expect(t.structured).toMatchObject({ status: "scheduled", category: "service", customer_id: COLD });
    const row = await db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", t.structured.message_id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "scheduled" });
    expect(row.deliver_at?.toISOString()).toBe(t.structured.deliver_at);
    const m = await gw.call("schedule_message", {
      customer_id: IN_WINDOW,
      message_type: "marketing",
      deliver_at: soon(3),
      content: { type: "template", template_name: "welcome_offer", variables: ["Ana"] },
    });
    expect(m.structured).toMatchObject({ status: "scheduled", category: "marketing" });
    const audit = await db
      .selectFrom("audit_logs")
      .selectAll()
      .where("subject_id", "=", m.structured.message_id as string)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: "agent", action: "message.scheduled" });
  });

  it.each([
    [
      "NO_OPT_IN",
      { message_type: "marketing", content: { type: "template", template_name: "welcome_offer", variables: ["a"] } },
    ],
    ["TEMPLATE_NOT_FOUND", { message_type: "template", content: { type: "template", template_name: "ghost" } }],
    [
      "TEMPLATE_VARIABLES_MISMATCH",
      { message_type: "template", content: { type: "template", template_name: "order_update", variables: [] } },
    ],
    ["INVALID_ARGUMENT", { message_type: "marketing", content: { type: "text", text: "promo" } }],
    [
      "INVALID_ARGUMENT",
      {
        message_type: "service",
        content: { type: "text", text: "x" },
        deliver_at: new Date(Date.now() - 60_000).toISOString(),
      },
    ],
    ["INVALID_ARGUMENT", { message_type: "service", content: { type: "text", text: "x" }, deliver_at: soon(24 * 31) }],
    ["INVALID_ARGUMENT", { message_type: "service", content: { type: "image" } }],
    ["INVALID_ARGUMENT", { message_type: "service", content: "hello" }],
  ])("refuses %s (%j)", async (code, args) => {
    const r = await gw.call("schedule_message", { customer_id: COLD, deliver_at: soon(1), ...args });
    expect(r.isError).toBe(true);
    expect(r.structured.reason_code).toBe(code);
  });

  it("answers USER_OPTED_OUT at scheduling time", async () => {
    const id = "447700900792";
    await state.setConsent({ customerId: id }, { marketing: "revoked" }, { source: "test" });
    const r = await gw.call("schedule_message", {
      customer_id: id,
      message_type: "marketing",
      deliver_at: soon(1),
      content: { type: "template", template_name: "welcome_offer", variables: ["a"] },
    });
    expect(r.structured.reason_code).toBe("USER_OPTED_OUT");
  });
});

async function failed(code: number | null, status: "failed" | "sent" = "failed"): Promise<string> {
  const r = await db
    .insertInto("messages")
    .values({
      customer_id: IN_WINDOW_ID,
      direction: "outbound",
      category: "utility",
      kind: "template",
      status,
      attempts: 3,
      content: JSON.stringify({ type: "template", template_name: "order_update", locale: "en", variables: ["a", "b"] }),
      template_name: "order_update",
      template_locale: "en",
      error_code: code,
      failed_at: status === "failed" ? new Date() : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

describe("retry_failed_messages", () => {
  it("retries failed messages with a retryable error and skips the rest with a reason", async () => {
    const retryable = await failed(131000);
    const permanent = await failed(131026);
    const sent = await failed(null, "sent");
    const ghost = "00000000-0000-4000-8000-000000000000";
    const before = await outboundOnNats(gw);
    const r = await gw.call("retry_failed_messages", { message_ids: [retryable, permanent, sent, ghost, retryable] });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ retried: 1, skipped: 3 });
    const results = r.structured.results as Array<{ message_id: string; status: string; reason?: string }>;
    expect(results.map((x) => [x.message_id, x.status])).toEqual([
      [retryable, "retried"],
      [permanent, "skipped"],
      [sent, "skipped"],
      [ghost, "skipped"],
    ]);
    expect(results[1]?.reason).toMatch(/131026/);
    const row = await db
      .selectFrom("messages")
      .select(["status", "attempts"])
      .where("id", "=", retryable)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "queued", attempts: 0 });
    expect(await outboundOnNats(gw)).toBe(before + 1); // whatsapp.messages.retry lives in the delivery stream
    const audit = await db
      .selectFrom("audit_logs")
      .selectAll()
      .where("subject_id", "=", retryable)
      .where("action", "=", "message.retried")
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe("agent");
  });

  it("refuses an empty or oversized list", async () => {
    expect((await gw.call("retry_failed_messages", { message_ids: [] })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    const many = Array.from({ length: 101 }, (_, i) => `id-${i}`);
    expect((await gw.call("retry_failed_messages", { message_ids: many })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("retry_failed_messages", { message_ids: "abc" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
  });
});
