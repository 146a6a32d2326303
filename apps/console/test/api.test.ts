// The REST API's actions go through the same package functions as the tools, with the same rules and refusals.
import { createApiToken, login } from "@wa/operators";
import { describe, expect, it } from "vitest";
import { newOperator, useConsole } from "./support.js";

const env = useConsole();

async function as(role: "viewer" | "operator" | "admin") {
  const op = await newOperator(env.db, role);
  const { token } = await createApiToken(env.db, op, "test", "system");
  return {
    op,
    call: (method: string, path: string, body?: unknown) =>
      env.app.request(`/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }),
  };
}

describe("REST API actions", () => {
  it("creates a campaign from an APPROVED template with the audience estimate; a PENDING one is refused", async () => {
    await env.db
      .insertInto("templates")
      .values([
        {
          name: "spring_sale",
          locale: "en",
          category: "marketing",
          status: "APPROVED",
          components: "[]",
          body_text: "Sale!",
        },
        {
          name: "draft_offer",
          locale: "en",
          category: "marketing",
          status: "PENDING",
          components: "[]",
          body_text: "Soon",
        },
      ])
      .execute();
    for (const id of ["6281200000001", "6281200000002", "6281200000003"])
      await env.deps.state.upsertCustomer({ customerId: id });
    await env.deps.state.updateTags({ customerId: "6281200000001" }, { add: ["vip"] });
    await env.deps.state.updateTags({ customerId: "6281200000002" }, { add: ["vip"] });
    const { op, call } = await as("operator");
    const estimate = await call("POST", "/campaigns/estimate", { audience_filter: { include_tags: ["vip"] } });
    expect(await estimate.json()).toEqual({ ok: true, audience_estimate: 2 });
    const deliverAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await call("POST", "/campaigns", {
      name: "Spring",
      type: "marketing",
      template_name: "spring_sale",
      deliver_at: deliverAt,
      audience_filter: { include_tags: ["vip"] },
    });
    expect(created.status).toBe(200);
    const body = (await created.json()) as { campaign_id: string; audience_estimate: number };
    expect(body.audience_estimate).toBe(2);
    const audit = await env.db
      .selectFrom("audit_logs")
      .select("actor")
      .where("action", "=", "campaign.scheduled")
      .where("subject_id", "=", body.campaign_id)
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe(`operator:${op.name}`);
    const pending = await call("POST", "/campaigns", {
      name: "Draft",
      type: "marketing",
      template_name: "draft_offer",
      deliver_at: deliverAt,
    });
    expect(pending.status).toBe(400);
    expect(await pending.json()).toMatchObject({ ok: false, reason_code: "TEMPLATE_NOT_APPROVED" });
  });

  it("consent and tag changes need a reason; the reason lands in the audit entry", async () => {
    await env.deps.state.upsertCustomer({ customerId: "6281200000009" });
    const { op, call } = await as("operator");
    const noReason = await call("POST", "/customers/6281200000009/tags", { add: ["vip"] });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    const ok = await call("POST", "/customers/6281200000009/tags", { add: ["vip"], reason: "key account since March" });
    expect(await ok.json()).toEqual({ ok: true, tags: ["vip"] });
    const tagAudit = await env.db
      .selectFrom("audit_logs")
      .select(["actor", "details"])
      .where("action", "=", "customer.tags_updated")
      .where("subject_id", "=", "6281200000009")
      .executeTakeFirstOrThrow();
    expect(tagAudit).toMatchObject({ actor: `operator:${op.name}`, details: { reason: "key account since March" } });
    const revoked = await call("POST", "/customers/6281200000009/consent", {
      marketing: "revoked",
      reason: "asked by phone, ticket 77",
    });
    expect(await revoked.json()).toEqual({ ok: true, changed: ["marketing"] });
    const unknown = await call("POST", "/customers/6289999999999/consent", { marketing: "granted", reason: "x" });
    expect(unknown.status).toBe(404);
  });

  it("policies: viewers cannot edit, admins get the policies.yaml validation, a valid edit is upserted and audited", async () => {
    const viewer = await as("viewer");
    expect((await viewer.call("POST", "/policies", { yaml: "policies: []" })).status).toBe(403);
    const { op, call } = await as("admin");
    const bad = await call("POST", "/policies", {
      yaml: "policies:\n  - id: night\n    type: time_restriction\n    rules: { deny_after: '25:00', allow_after: '08:00' }\n",
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { human_explanation: string }).human_explanation).toContain('policy "night"');
    const good = await call("POST", "/policies", {
      yaml: "policies:\n  - id: vip_cap\n    name: VIP cap\n    type: frequency_limit\n    message_type: marketing\n    rules: { max_per_day: 1 }\n",
    });
    expect(await good.json()).toEqual({ ok: true, changed: ["vip_cap"] });
    const row = await env.db.selectFrom("policies").selectAll().where("id", "=", "vip_cap").executeTakeFirstOrThrow();
    expect(row.rules).toEqual({ max_per_day: 1 });
    const audit = await env.db
      .selectFrom("audit_logs")
      .select("actor")
      .where("action", "=", "policy.upserted")
      .where("subject_id", "=", "vip_cap")
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe(`operator:${op.name}`);
  });

  it("overview: each number's sending state, paused by an account-level error until it resumes", async () => {
    const { call } = await as("viewer");
    await env.db
      .insertInto("phone_numbers")
      .values({ phone_number_id: "100000000000077", waba_id: "200000000000077", quality_rating: "GREEN" })
      .execute();
    const state = async () =>
      (
        (await (await call("GET", "/overview")).json()) as { numbers: { phone_number_id: string; sending: string }[] }
      ).numbers.find((n) => n.phone_number_id === "100000000000077")?.sending;
    expect(await state()).toBe("sending");
    await env.db
      .insertInto("sending_pauses")
      .values({
        phone_number_id: "100000000000077",
        reason_code: "SENDING_PAUSED",
        error_code: 190,
        explanation: "the access token is invalid",
      })
      .execute();
    expect(await state()).toBe("paused: the access token is invalid");
  });

  it("overview: today's outbound sends by category and by status, and the delivery rate", async () => {
    const { call } = await as("viewer");
    type Overview = { sends_by_category: Record<string, number>; by_status: Record<string, number> };
    const read = async () => (await (await call("GET", "/overview")).json()) as Overview;
    env.pinNow(Date.now()); // both reads count from the same 00:00 UTC, even when midnight passes in between
    try {
      const before = await read();
      await env.deps.state.upsertCustomer({ customerId: "6281200000088" });
      await env.db
        .insertInto("messages")
        .values([sendRow("marketing", "sent"), sendRow("marketing", "read"), sendRow("utility", "failed")])
        .execute();
      const after = await read();
      expect(delta(after.sends_by_category, before.sends_by_category, "marketing")).toBe(2);
      expect(delta(after.sends_by_category, before.sends_by_category, "utility")).toBe(1);
      expect(["sent", "read", "failed"].map((k) => delta(after.by_status, before.by_status, k))).toEqual([1, 1, 1]);
    } finally {
      env.pinNow(null);
    }
  });

  it("audit: filter by actor kind or one actor; CSV export of the same filter", async () => {
    const { op, call } = await as("operator");
    await env.deps.state.upsertCustomer({ customerId: "6281200000077" });
    await call("POST", "/customers/6281200000077/consent", {
      utility: "granted",
      reason: "form at the branch, 2026-11-30",
    });
    const mine = (await (await call("GET", `/audit?actor=operator:${op.name}`)).json()) as {
      entries: { actor: string; action: string }[];
    };
    expect(mine.entries.map((e) => e.action)).toEqual(["consent.updated"]);
    const kind = (await (await call("GET", "/audit?actor=operator")).json()) as { entries: { actor: string }[] };
    expect(kind.entries.length).toBeGreaterThan(1);
    expect(kind.entries.every((e) => e.actor.startsWith("operator:"))).toBe(true);
    const s = await newOperator(env.db, "viewer");
    const l = await login(env.db, env.deps.login, { name: s.name, password: "correct horse battery", ip: "t" });
    if (!l.ok) throw new Error("login");
    const csv = await env.app.request(`/audit.csv?actor=operator:${op.name}`, {
      headers: { cookie: `wa_console=${l.token}` },
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    expect(text.split("\n")[0]).toBe("created_at,actor,action,subject_type,subject_id,details");
    expect(text).toContain("consent.updated");
    expect(text.trim().split("\n")).toHaveLength(2);
  });
});

const sendRow = (category: "marketing" | "utility", status: "sent" | "read" | "failed") => ({
  customer_id: "6281200000088",
  direction: "outbound" as const,
  category,
  kind: "template",
  content: JSON.stringify({ type: "template", template_name: "t" }),
  status,
});

const delta = (a: Record<string, number>, b: Record<string, number>, k: string) => (a[k] ?? 0) - (b[k] ?? 0);
