import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTemplateSync } from "@wa/compliance";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;
let offline: Gateway; // Meta unreachable

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
  offline = await env.gateway({ META_API_BASE_URL: "http://127.0.0.1:1", META_TIMEOUT_MS: "500" });
});
afterAll(async () => env?.close());

describe("explain_error", () => {
  it("explains a catalog code given as number or numeric string", async () => {
    const a = await gw.call("explain_error", { code: 131047 });
    expect(a.isError).toBe(false);
    expect(a.structured).toMatchObject({ code: 131047, category: "template_required" });
    const b = await gw.call("explain_error", { code: " 131047 " });
    expect(b.structured).toEqual(a.structured);
  });

  it("gives unknown codes a fallback, not an error", async () => {
    const r = await gw.call("explain_error", { code: 987654 });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ code: 987654, can_retry: false, retry_strategy: { kind: "none" } });
  });

  it("refuses a non-numeric code with INVALID_ARGUMENT", async () => {
    expect((await gw.call("explain_error", { code: "abc" })).structured.reason_code).toBe("INVALID_ARGUMENT");
    expect((await gw.call("explain_error", {})).structured.human_explanation).toMatch(/code is required/);
  });
});

describe("estimate_cost / estimate_pricing", () => {
  it("prices marketing per message and utility free inside the window", async () => {
    const m = await gw.call("estimate_cost", { message_type: "marketing", recipient_country: "in", quantity: 3 });
    expect(m.structured).toMatchObject({ country: "IN", pricing_model: "PMP", currency: "USD" });
    expect(m.structured.total).toBeCloseTo((m.structured.per_message as number) * 3, 10);
    const u = await gw.call("estimate_cost", {
      message_type: "utility",
      recipient_country: "IN",
      inside_service_window: true,
    });
    expect(typeof u.structured.per_message).toBe("number");
    const d = await gw.call("estimate_cost", { message_type: "service" });
    expect(d.structured.country).toBe("DEFAULT");
  });

  it("quotes a rate per category and country", async () => {
    const r = await gw.call("estimate_pricing", { conversation_type: "authentication", recipient_country: "BR" });
    expect(r.structured).toMatchObject({ country: "BR", category: "authentication", pricing_model: "PMP" });
    expect(r.structured.rate).toBeGreaterThan(0);
  });

  it("refuses a bad country or quantity", async () => {
    expect(
      (await gw.call("estimate_cost", { message_type: "marketing", recipient_country: "IDN" })).structured.reason_code,
    ).toBe("INVALID_ARGUMENT");
    expect((await gw.call("estimate_cost", { message_type: "marketing", quantity: 0 })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("estimate_pricing", { conversation_type: "template" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
  });
});

describe("Meta's 2025–2026 rules in the tools (issue 20)", () => {
  it("estimate_cost lists the dated pricing rules with their sources and says marketing to the US is refused", async () => {
    const r = await gw.call("estimate_cost", { message_type: "marketing", recipient_country: "US", quantity: 10 });
    expect(r.isError).toBe(false);
    const rules = r.structured.rules as { id: string; effective_from: string; source: string }[];
    expect(rules.map((x) => x.id)).toEqual([
      "per_message_pricing",
      "service_and_in_window_utility_charged",
      "free_entry_point_window",
      "us_marketing_pause",
    ]);
    expect(rules.every((x) => x.source.startsWith("https://"))).toBe(true);
    expect((r.structured.notes as string[]).join(" ")).toMatch(/refuses them \(POLICY_RESTRICTION/);
  });

  it("estimate_cost and estimate_pricing use the operator's RATE_CARD_FILE (YAML)", async () => {
    const card = JSON.parse(
      readFileSync(new URL("../../../packages/meta/data/rate-card.json", import.meta.url), "utf8"),
    );
    card.rates.push({
      country: "ID",
      effective_from: "2025-07-01",
      marketing: 0.0411,
      utility: 0.025,
      authentication: 0.03,
      authentication_international: null,
    });
    const file = join(mkdtempSync(join(tmpdir(), "gw-card-")), "rates.yml");
    writeFileSync(file, JSON.stringify(card, null, 2)); // JSON is YAML: the .yml name takes the YAML reader
    const own = await env.gateway({ RATE_CARD_FILE: file });
    const r = await own.call("estimate_cost", { message_type: "marketing", recipient_country: "ID", quantity: 100 });
    expect(r.structured).toMatchObject({ country: "ID", per_message: 0.0411, total: 4.11 });
    const q = await own.call("estimate_pricing", { conversation_type: "utility", recipient_country: "ID" });
    expect(q.structured).toMatchObject({ country: "ID", rate: 0.025 });
    expect(
      (await gw.call("estimate_cost", { message_type: "marketing", recipient_country: "ID" })).structured.country,
    ).toBe("DEFAULT");
  });

  it("send_template refuses marketing to a US number (meta_us_marketing_pause); a Canadian one passes", async () => {
    for (const to of ["+1 212 555 0177", "+1 416 555 0177"])
      await gw.call("update_consent", { customer_id: to, marketing: "granted", source: "signup form" });
    const us = await gw.call("send_template", {
      to: "+1 212 555 0177",
      template_name: "welcome_offer",
      variables: ["Ann"],
    });
    expect(us.isError).toBe(true);
    expect(us.structured).toMatchObject({
      reason_code: "POLICY_RESTRICTION",
      details: { policy_id: "meta_us_marketing_pause" },
    });
    expect(us.structured.suggested_action).toMatch(/utility template/);
    // Read-only for Canada: a real send would leave a message on this file's delivery stream.
    const ca = await gw.call("check_compliance", {
      customer_id: "+1 416 555 0177",
      message_type: "template",
      template_name: "welcome_offer",
    });
    expect(ca.structured).toMatchObject({ allowed: true, category: "marketing" });
    const check = await gw.call("check_compliance", { customer_id: "+1 212 555 0177", message_type: "marketing" });
    expect(check.structured).toMatchObject({ allowed: false, policy_id: "meta_us_marketing_pause" });
  });
});

describe("get_account_quality", () => {
  it("reads the number live from Meta", async () => {
    const r = await gw.call("get_account_quality", {});
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      phone_number_id: env.base.META_PHONE_NUMBER_ID,
      waba_id: env.base.META_WABA_ID,
      name: "Mock Business",
    });
    expect(r.structured.quality_rating).toBeTruthy();
  });

  it("answers NOT_FOUND, listing this deployment's numbers, for a number it does not serve", async () => {
    const r = await gw.call("get_account_quality", { phone_number_id: "999999999999" });
    expect(r.isError).toBe(true);
    expect(r.structured.reason_code).toBe("NOT_FOUND");
    expect((r.structured.details as { numbers: { phone_number_id: string }[] }).numbers).toEqual([
      expect.objectContaining({ phone_number_id: env.base.META_PHONE_NUMBER_ID }),
    ]);
  });

  it("answers UNAVAILABLE when Meta cannot be reached", async () => {
    const r = await offline.call("get_account_quality", {});
    expect(r.structured.reason_code).toBe("UNAVAILABLE");
  });
});

describe("list_templates", () => {
  it("lists the synced templates with body text and parameter counts, filtered and paged", async () => {
    const all = await gw.call("list_templates", {});
    expect(Date.parse(String(all.structured.synced_at))).toBeGreaterThan(0);
    expect(all.structured.note).toBeNull();
    expect(all.structured.total).toBeGreaterThanOrEqual(7);
    const approved = await gw.call("list_templates", {
      status_filter: "APPROVED",
      category_filter: "UTILITY",
      locale_filter: "EN",
    });
    const names = (approved.structured.templates as Array<{ name: string }>).map((t) => t.name);
    expect(names).toEqual(["order_update", "shipping_named"]);
    expect(approved.structured.templates).toContainEqual({
      name: "order_update",
      locale: "en",
      category: "UTILITY",
      status: "APPROVED",
      body_text: "Hi {{1}}, your order {{2}} has shipped.",
      parameter_count: 2,
      quality: "GREEN",
      previous_category: null,
    });
    const page = await gw.call("list_templates", { limit: 2, offset: 1 });
    expect(page.structured).toMatchObject({ limit: 2, offset: 1, total: all.structured.total });
    expect((page.structured.templates as unknown[]).length).toBe(2);
  });

  it("answers from the stored copy when Meta is unreachable", async () => {
    const r = await offline.call("list_templates", { status_filter: "PAUSED" });
    expect(r.structured).toMatchObject({ total: 1, note: null });
  });

  it("never writes (issue 14 item 10): the table stays as it is until a sync, also under READ_ONLY", async () => {
    const db = gw.clients.deps.db;
    const readOnly = await env.gateway({ READ_ONLY: "true" });
    await db.deleteFrom("templates").execute();
    for (const g of [gw, readOnly]) {
      const r = await g.call("list_templates", {});
      expect(r.structured).toMatchObject({ total: 0, synced_at: null });
      expect(r.structured.note).toMatch(/sync_webhooks/);
    }
    expect(await db.selectFrom("templates").select("name").execute()).toEqual([]);
    const synced = await gw.call("sync_webhooks", {}); // the explicit write
    expect(synced.structured.templates_synced).toBeGreaterThanOrEqual(7);
    expect((await gw.call("list_templates", {})).structured.total).toBe(synced.structured.templates_synced);
  });

  it("is kept current by the periodic sync", async () => {
    const db = gw.clients.deps.db;
    await db.deleteFrom("templates").execute();
    const loop = startTemplateSync(gw.clients.deps, { everyMs: 50 }, gw.clients.deps.log);
    try {
      await loop.first;
      await db.deleteFrom("templates").execute(); // only a later tick can bring them back
      await expect
        .poll(async () => (await db.selectFrom("templates").select("name").execute()).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(7);
    } finally {
      loop.stop();
    }
  });

  it("refuses a limit out of range", async () => {
    expect((await gw.call("list_templates", { limit: 500 })).structured.reason_code).toBe("INVALID_ARGUMENT");
    expect((await gw.call("list_templates", { offset: -1 })).structured.reason_code).toBe("INVALID_ARGUMENT");
  });
});

describe("sync_template_status", () => {
  it("refreshes one template, says what to do next and audits the change", async () => {
    await env.meta.mock.reset();
    const r = await gw.call("sync_template_status", { template_name: "flash_sale" });
    expect(r.structured).toMatchObject({
      template_name: "flash_sale",
      locale: "en",
      status: "PAUSED",
      category: "MARKETING",
    });
    expect(r.structured.suggested_action).toMatch(/paused/i);
    const row = await gw.clients.deps.db
      .selectFrom("templates")
      .selectAll()
      .where("name", "=", "flash_sale")
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("PAUSED");
    const es = await gw.call("sync_template_status", { template_name: "order_update", locale: "es" });
    expect(es.structured).toMatchObject({ locale: "es", status: "APPROVED" });
  });

  it("answers TEMPLATE_NOT_FOUND for an unknown name or locale", async () => {
    expect((await gw.call("sync_template_status", { template_name: "no_such_template" })).structured.reason_code).toBe(
      "TEMPLATE_NOT_FOUND",
    );
    const r = await gw.call("sync_template_status", { template_name: "order_update", locale: "fr" });
    expect(r.structured.reason_code).toBe("TEMPLATE_NOT_FOUND");
    expect(r.structured.human_explanation).toMatch(/en, es|es, en/);
  });

  it("answers UNAVAILABLE when Meta cannot be reached", async () => {
    expect((await offline.call("sync_template_status", { template_name: "order_update" })).structured.reason_code).toBe(
      "UNAVAILABLE",
    );
  });
});

describe("create_template", () => {
  it("validates, submits to Meta, stores the PENDING row and audits with actor agent", async () => {
    const r = await gw.call("create_template", {
      name: "delivery_window",
      category: "UTILITY",
      language: "en",
      body_text: "Hi {{1}}, your parcel arrives between {{2}} today.",
      examples: ["Ana", "10:00-12:00"],
    });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      template_name: "delivery_window",
      locale: "en",
      category: "UTILITY",
      status: "PENDING",
    });
    const db = gw.clients.deps.db;
    const row = await db
      .selectFrom("templates")
      .selectAll()
      .where("name", "=", "delivery_window")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "PENDING", parameter_count: 2, meta_id: r.structured.meta_id });
    const audit = await db.selectFrom("audit_logs").selectAll().where("action", "=", "template.created").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "agent", subject_id: "delivery_window:en" });
  });

  it.each([
    ["a gap in the numbering", "Hi {{1}}, order {{3}} is ready.", ["a", "b"], /without gaps/],
    ["a placeholder at the start", "{{1}} is your code for today.", ["a"], /start or end/],
    ["adjacent placeholders", "Hi {{1}} {{2}}, welcome.", ["a", "b"], /adjacent/],
    ["missing examples", "Hi {{1}}, welcome back.", undefined, /needs an example/],
    ["wrong number of examples", "Hi {{1}}, welcome back.", ["a", "b"], /1 example/],
  ])("refuses %s with INVALID_ARGUMENT before calling Meta", async (_what, body, examples, why) => {
    const r = await gw.call("create_template", {
      name: "bad_one",
      category: "MARKETING",
      language: "en",
      body_text: body,
      examples,
    });
    expect(r.structured.reason_code).toBe("INVALID_ARGUMENT");
    expect(r.structured.human_explanation).toMatch(why);
  });

  it("refuses a bad name, category or an over-long body", async () => {
    const base = { name: "ok_name", category: "UTILITY", language: "en", body_text: "Hello there." };
    expect((await gw.call("create_template", { ...base, name: "Bad Name" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("create_template", { ...base, category: "SERVICE" })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await gw.call("create_template", { ...base, body_text: "x".repeat(1025) })).structured.reason_code).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("answers META_API_ERROR when Meta refuses (same name and language exists)", async () => {
    const r = await gw.call("create_template", {
      name: "order_update",
      category: "UTILITY",
      language: "en",
      body_text: "Hello there.",
    });
    expect(r.structured.reason_code).toBe("META_API_ERROR");
    expect(r.structured.human_explanation).toMatch(/order_update/);
  });

  it("answers UNAVAILABLE when Meta cannot be reached", async () => {
    const r = await offline.call("create_template", {
      name: "later_one",
      category: "UTILITY",
      language: "en",
      body_text: "Hello there.",
    });
    expect(r.structured.reason_code).toBe("UNAVAILABLE");
  });
});

describe("sync_webhooks", () => {
  it("re-reads templates from Meta, hands stuck queued messages back to NATS and audits", async () => {
    const db = gw.clients.deps.db;
    await gw.clients.deps.state.upsertCustomer({ customerId: "4915112345678" });
    const stuck = await db
      .insertInto("messages")
      .values({
        customer_id: "4915112345678",
        direction: "outbound",
        category: "service",
        kind: "text",
        content: JSON.stringify({ type: "text", text: "x" }),
        status: "queued",
        queued_at: new Date(Date.now() - 120_000),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const r = await gw.call("sync_webhooks", {});
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ messages_reconciled: 1, notes: [] });
    expect(r.structured.templates_synced).toBeGreaterThanOrEqual(7);
    const js = gw.clients.deps.bus.js();
    const info = await (await js?.streams.get(env.base.DELIVERY_STREAM ?? ""))?.info();
    expect(info?.state.messages).toBe(1);
    const audit = await db
      .selectFrom("audit_logs")
      .selectAll()
      .where("action", "=", "webhooks.synced")
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe("agent");
    expect(stuck.id).toBeTruthy();
  });

  it("still reconciles messages when Meta is unreachable, and says templates were not synced", async () => {
    const r = await offline.call("sync_webhooks", {});
    expect(r.isError).toBe(false);
    expect(r.structured.templates_synced).toBe(0);
    expect((r.structured.notes as string[]).join(" ")).toMatch(/Templates not synced/);
  });

  it("refuses arguments it does not take", async () => {
    expect((await gw.call("sync_webhooks", { force: true })).structured.reason_code).toBe("INVALID_ARGUMENT");
  });
});
