import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@wa/db";
import { linkCustomerIds, type StateStore } from "@wa/state";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;
let db: Db;
let state: StateStore;

const OPEN = "+62 811-2345-6710"; // window open, marketing granted
const OPEN_ID = "6281123456710";
const COLD = "6281123456720"; // never seen
const HOUR = 3_600_000;
/** The one number of a deployment configured by the META_* variables, as answers name it. */
const DEFAULT_FROM = { phone_number_id: "100000000000001", display_phone_number: null, business_id: "default" };

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
  db = gw.clients.deps.db;
  state = gw.clients.deps.state;
  await state.recordInbound({ customerId: OPEN_ID }, Date.now() - 60_000);
  await state.setConsent({ customerId: OPEN_ID }, { marketing: "granted" }, { source: "test" });
});
afterAll(async () => env?.close());

describe("check_compliance", () => {
  it("allows a service message inside the window and a marketing template with opt-in", async () => {
    const s = await gw.call("check_compliance", { customer_id: OPEN, message_type: "service" });
    expect(s.isError).toBe(false);
    expect(s.structured).toMatchObject({ allowed: true, customer_id: OPEN_ID, category: "service" });
    expect((s.structured.checks as unknown[]).length).toBeGreaterThan(3);
    const m = await gw.call("check_compliance", {
      customer_id: OPEN,
      message_type: "template",
      template_name: "welcome_offer",
    });
    expect(m.structured).toMatchObject({ allowed: true, category: "marketing" });
  });

  it.each([
    ["TEMPLATE_REQUIRED", { customer_id: COLD, message_type: "service" }],
    ["NO_OPT_IN", { customer_id: COLD, message_type: "marketing" }],
    ["TEMPLATE_NOT_FOUND", { customer_id: OPEN, message_type: "template", template_name: "no_such_one" }],
    ["TEMPLATE_NOT_APPROVED", { customer_id: OPEN, message_type: "template", template_name: "new_arrivals" }],
  ])("answers allowed=false with %s", async (code, args) => {
    const r = await gw.call("check_compliance", args);
    expect(r.isError).toBe(true); // tools.md: a rule denial is an isError result, with the whole answer
    expect(r.structured).toMatchObject({ allowed: false, reason_code: code });
    expect(r.structured.suggested_action).toBeTruthy();
  });

  it("answers USER_OPTED_OUT, FREQUENCY_CAP_EXCEEDED and POLICY_RESTRICTION", async () => {
    const out = "6281123456730";
    await state.setConsent({ customerId: out }, { marketing: "revoked" }, { source: "test" });
    expect(
      (await gw.call("check_compliance", { customer_id: out, message_type: "marketing" })).structured.reason_code,
    ).toBe("USER_OPTED_OUT");

    const capped = "6281123456740";
    await state.setConsent({ customerId: capped }, { marketing: "granted" }, { source: "test" });
    await insertMarketing(db, capped, 2);
    const c = await gw.call("check_compliance", { customer_id: capped, message_type: "marketing" });
    expect(c.structured).toMatchObject({ allowed: false, reason_code: "FREQUENCY_CAP_EXCEEDED" });
    expect(c.structured.resets_at).toBeTruthy();

    const vip = "6281123456750";
    await state.setConsent({ customerId: vip }, { marketing: "granted" }, { source: "test" });
    await state.updateTags({ customerId: vip }, { add: ["no_promo"] });
    await db
      .insertInto("policies")
      .values({
        id: "no_promo_segment",
        name: "No promos",
        type: "segment_exclusion",
        message_type: "marketing",
        rules: JSON.stringify({ exclude_tag: "no_promo" }),
      })
      .execute();
    gw.clients.deps.compliance.invalidatePolicies();
    const p = await gw.call("check_compliance", { customer_id: vip, message_type: "marketing" });
    expect(p.structured).toMatchObject({
      allowed: false,
      reason_code: "POLICY_RESTRICTION",
      policy_id: "no_promo_segment",
    });
  });

  it("refuses bad arguments with a reason code", async () => {
    expect(
      (await gw.call("check_compliance", { customer_id: "12ab", message_type: "service" })).structured.reason_code,
    ).toBe("INVALID_PHONE_NUMBER");
    expect(
      (await gw.call("check_compliance", { customer_id: OPEN, message_type: "promo" })).structured.reason_code,
    ).toBe("INVALID_ARGUMENT");
    expect(
      (await gw.call("check_compliance", { customer_id: OPEN, message_type: "service", channel: "sms" })).structured
        .reason_code,
    ).toBe("INVALID_ARGUMENT");
  });
});

describe("check_conversation / check_frequency_cap / get_customer_context", () => {
  it("shows the open window and eligibility", async () => {
    const r = await gw.call("check_conversation", { customer_id: OPEN });
    expect(r.structured).toMatchObject({
      customer_id: OPEN_ID,
      channel: "whatsapp",
      window_open: true,
      conversation_type: "customer_service",
    });
    expect(r.structured.time_remaining_secs).toBeGreaterThan(23 * 3600);
    expect(r.structured.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.structured.marketing_eligibility).toMatchObject({ allowed: true });
    const cold = await gw.call("check_conversation", { customer_id: COLD });
    expect(cold.structured).toMatchObject({ window_open: false, time_remaining_secs: 0, conversation_id: null });
    expect(cold.structured.marketing_eligibility).toMatchObject({ allowed: false, reason_code: "NO_OPT_IN" });
    expect((await gw.call("check_conversation", { customer_id: "+1" })).structured.reason_code).toBe(
      "INVALID_PHONE_NUMBER",
    );
  });

  it("reports the frequency cap", async () => {
    const id = "6281123456760";
    const free = await gw.call("check_frequency_cap", { customer_id: id });
    expect(free.structured).toMatchObject({ customer_id: id, is_capped: false, sent_last_24h: 0, cap: 2 });
    const capped = "6281123456770";
    await insertMarketing(db, capped, 2);
    const r = await gw.call("check_frequency_cap", { customer_id: capped });
    expect(r.structured).toMatchObject({ is_capped: true, sent_last_24h: 2, cap: 2 });
    expect(r.structured.resets_at).toBeTruthy();
    expect((await gw.call("check_frequency_cap", { customer_id: "abc" })).structured.reason_code).toBe(
      "INVALID_PHONE_NUMBER",
    );
  });

  it("gives the whole customer context without writing an audit entry", async () => {
    await state.updateTags({ customerId: OPEN_ID }, { add: ["vip"] });
    const before = await auditCount(db);
    const r = await gw.call("get_customer_context", { customer_id: OPEN });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      customer_id: OPEN_ID,
      known: true,
      country: "ID",
      tags: ["vip"],
      consent: { marketing: { status: "granted", source: "test" }, utility: { status: "unknown" } },
      conversation: { window_open: true },
      last_interaction: { direction: "inbound" },
      eligibility: {
        marketing: { allowed: true },
        service: { allowed: true },
        utility: { allowed: true },
        authentication: { allowed: true },
      },
    });
    expect(r.structured.engagement).toMatchObject({ window_days: 30 });
    const unknown = await gw.call("get_customer_context", { customer_id: COLD });
    expect(unknown.structured).toMatchObject({
      known: false,
      tags: [],
      eligibility: { service: { allowed: false, reason_code: "TEMPLATE_REQUIRED" } },
    });
    expect(await auditCount(db)).toBe(before);
    expect((await gw.call("get_customer_context", { customer_id: "" })).structured.reason_code).toBe(
      "INVALID_PHONE_NUMBER",
    );
  });
});

describe("update_consent / tag_customer", () => {
  it("records consent with its source and audits it with actor agent", async () => {
    const id = "6281123456780";
    const r = await gw.call("update_consent", {
      customer_id: id,
      marketing: "granted",
      utility: "revoked",
      source: "signup form",
    });
    expect(r.structured).toMatchObject({
      customer_id: id,
      changed: ["marketing", "utility"],
      consent: { marketing: { status: "granted", source: "signup form" }, utility: { status: "revoked" } },
    });
    const audits = await db
      .selectFrom("audit_logs")
      .selectAll()
      .where("subject_id", "=", id)
      .where("action", "=", "consent.updated")
      .execute();
    expect(audits).toHaveLength(2);
    expect(audits.every((a) => a.actor === "agent" && (a.details as { source: string }).source === "signup form")).toBe(
      true,
    );
    const again = await gw.call("update_consent", { customer_id: id, marketing: "granted", source: "again" });
    expect(again.structured.changed).toEqual([]);
    const allowed = await gw.call("check_compliance", { customer_id: id, message_type: "marketing" });
    expect(allowed.structured.allowed).toBe(true); // the engine sees the change at once
  });

  it("refuses consent changes without a value, source or valid status", async () => {
    expect((await gw.call("update_consent", { customer_id: COLD, source: "x" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("update_consent", { customer_id: COLD, marketing: "granted" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect(
      (await gw.call("update_consent", { customer_id: COLD, marketing: "yes", source: "x" })).structured.reason_code,
    ).toBe("INVALID_ARGUMENT");
    expect(
      (await gw.call("update_consent", { customer_id: "0", marketing: "granted", source: "x" })).structured.reason_code,
    ).toBe("INVALID_PHONE_NUMBER");
  });

  it("adds and removes tags, audited", async () => {
    const id = "6281123456790";
    const a = await gw.call("tag_customer", { customer_id: id, add: ["vip", "churn_risk"] });
    expect((a.structured.tags as string[]).toSorted()).toEqual(["churn_risk", "vip"]);
    const b = await gw.call("tag_customer", { customer_id: id, remove: ["vip"] });
    expect(b.structured).toEqual({ customer_id: id, from: DEFAULT_FROM, tags: ["churn_risk"] });
    const audits = await db.selectFrom("audit_logs").select("actor").where("subject_id", "=", id).execute();
    expect(audits.length).toBeGreaterThanOrEqual(2);
    expect(audits.every((x) => x.actor === "agent")).toBe(true);
  });

  it("refuses bad tags and empty changes", async () => {
    expect((await gw.call("tag_customer", { customer_id: COLD, add: ["VIP"] })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("tag_customer", { customer_id: COLD, add: ["x".repeat(41)] })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("tag_customer", { customer_id: COLD })).structured.reason_code).toBe("INVALID_ARGUMENT");
    expect((await gw.call("tag_customer", { customer_id: "++", add: ["a"] })).structured.reason_code).toBe(
      "INVALID_PHONE_NUMBER",
    );
  });
});

describe("a customer known by phone and BSUID", () => {
  it("answers, records consent and tags on the phone's customer when a tool names the linked BSUID", async () => {
    const phone = "6281123456790";
    const bsuid = `ID.${process.pid}${Date.now()}`;
    await state.recordInbound({ customerId: phone }, Date.now() - 60_000);
    await db.transaction().execute((tx) => linkCustomerIds(tx, { phone, bsuid }, "webhook"));

    const ctx = await gw.call("get_customer_context", { customer_id: bsuid });
    expect(ctx.structured).toMatchObject({ customer_id: bsuid, known: true, conversation: { window_open: true } });
    const upd = await gw.call("update_consent", { customer_id: bsuid, marketing: "revoked", source: "call_center" });
    expect(upd.isError).toBe(false);
    await gw.call("tag_customer", { customer_id: bsuid, add: ["linked"] });
    const row = await db.selectFrom("customers").selectAll().where("customer_id", "=", phone).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ bsuid, marketing_consent: "revoked", tags: expect.arrayContaining(["linked"]) });
    expect(await db.selectFrom("customers").select("id").where("customer_id", "=", bsuid).execute()).toEqual([]);

    for (const customer_id of [phone, bsuid]) {
      const m = await gw.call("check_compliance", { customer_id, message_type: "marketing" });
      expect(m.structured).toMatchObject({ allowed: false, reason_code: "USER_OPTED_OUT" });
    }
    const auth = await gw.call("check_compliance", { customer_id: bsuid, message_type: "authentication" });
    expect(auth.structured).toMatchObject({ allowed: false, reason_code: "INVALID_PHONE_NUMBER" });
    expect(auth.structured.human_explanation).toContain("131062");
  });
});

describe("list_conversations / archive_chat", () => {
  let closedId: string;
  beforeAll(async () => {
    const closed = await state.recordInbound({ customerId: "6281123456810" }, Date.now() - 25 * HOUR);
    closedId = closed.window.conversationId ?? "";
    await state.recordInbound({ customerId: "6281123456820" }, Date.now() - 23 * HOUR); // expiring soon
  });

  it("filters by status and pages", async () => {
    const all = await gw.call("list_conversations", {});
    expect(all.structured.total).toBeGreaterThanOrEqual(3);
    const open = await gw.call("list_conversations", { status_filter: "open" });
    const openIds = (open.structured.conversations as Array<{ customer_id: string }>).map((c) => c.customer_id);
    expect(openIds).toContain(OPEN_ID);
    expect(openIds).not.toContain("6281123456810");
    const soon = await gw.call("list_conversations", { status_filter: "expiring_soon" });
    expect((soon.structured.conversations as Array<{ customer_id: string }>).map((c) => c.customer_id)).toEqual([
      "6281123456820",
    ]);
    const closed = await gw.call("list_conversations", { status_filter: "closed" });
    expect(closed.structured.conversations).toEqual([
      expect.objectContaining({ conversation_id: closedId, window_open: false, time_remaining_secs: 0 }),
    ]);
    const page = await gw.call("list_conversations", { limit: 1, offset: 1 });
    expect(page.structured).toMatchObject({ limit: 1, offset: 1, total: all.structured.total });
    expect(page.structured.conversations).toHaveLength(1);
    expect((await gw.call("list_conversations", { status_filter: "deleted" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("list_conversations", { limit: 0 })).structured.reason_code).toBe("INVALID_ARGUMENT");
  });

  it("archives a closed conversation (audited), refuses an open one and unknown ids", async () => {
    const r = await gw.call("archive_chat", { conversation_id: closedId });
    expect(r.structured).toEqual({ conversation_id: closedId, status: "archived", from_type: "customer_service" });
    const audit = await db
      .selectFrom("audit_logs")
      .selectAll()
      .where("action", "=", "conversation.archived")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: "agent", subject_id: closedId });
    const archived = await gw.call("list_conversations", { status_filter: "archived" });
    expect(archived.structured.total).toBe(1);

    const open = (await gw.call("check_conversation", { customer_id: OPEN })).structured.conversation_id as string;
    const active = await gw.call("archive_chat", { conversation_id: open });
    expect(active.structured.reason_code).toBe("CONVERSATION_ACTIVE");
    expect(
      (await gw.call("archive_chat", { conversation_id: "00000000-0000-4000-8000-000000000000" })).structured
        .reason_code,
    ).toBe("NOT_FOUND");
    expect((await gw.call("archive_chat", { conversation_id: "nope" })).structured.reason_code).toBe("NOT_FOUND");
    expect((await gw.call("archive_chat", {})).structured.reason_code).toBe("INVALID_ARGUMENT");
  });
});

describe("get_delivery_status / get_rate_limit", () => {
  it("finds a message by our id or by wamid, with the explained error when it failed", async () => {
    const row = await db
      .insertInto("messages")
      .values({
        customer_id: OPEN_ID,
        direction: "outbound",
        category: "utility",
        kind: "template",
        content: JSON.stringify({ type: "template" }),
        status: "failed",
        wamid: "wamid.TEST123",
        attempts: 1,
        error_code: 131026,
        error_title: "Message undeliverable",
        failed_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const byId = await gw.call("get_delivery_status", { message_id: row.id });
    expect(byId.structured).toMatchObject({
      message_id: row.id,
      wamid: "wamid.TEST123",
      status: "failed",
      direction: "outbound",
      attempts: 1,
    });
    expect(byId.structured.error).toMatchObject({ code: 131026 });
    const byWamid = await gw.call("get_delivery_status", { message_id: "wamid.TEST123" });
    expect(byWamid.structured.message_id).toBe(row.id);
    expect((await gw.call("get_delivery_status", { message_id: "wamid.nothing" })).structured.reason_code).toBe(
      "NOT_FOUND",
    );
    expect((await gw.call("get_delivery_status", { message_id: "" })).structured.reason_code).toBe("INVALID_ARGUMENT");
  });

  it("shows the send budget", async () => {
    const r = await gw.call("get_rate_limit", {});
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ capacity_mps: 80, pair_limit_secs: 6, source: "redis" });
    expect((await gw.call("get_rate_limit", { phone_number_id: "abc" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
  });
});

async function insertMarketing(target: Db, customerId: string, n: number): Promise<void> {
  await state.upsertCustomer({ customerId });
  for (let i = 0; i < n; i += 1) {
    await target
      .insertInto("messages")
      .values({
        customer_id: customerId,
        direction: "outbound",
        category: "marketing",
        kind: "template",
        content: JSON.stringify({ type: "template" }),
        status: "sent",
        counts_toward_cap: true,
        queued_at: new Date(Date.now() - (i + 1) * HOUR),
      })
      .execute();
  }
}

async function auditCount(target: Db): Promise<number> {
  const r = await target
    .selectFrom("audit_logs")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
