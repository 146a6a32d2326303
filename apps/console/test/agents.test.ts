// Agent keys from the console: the Agents page (create, key shown once, revoke) and /api/v1/agents.
import { createApiToken } from "@wa/operators";
import { createKeyResolver } from "@wa/agents";
import { describe, expect, it } from "vitest";
import { logIn, newOperator, useConsole } from "./support.js";

const env = useConsole();

describe("Agents", () => {
  it("an admin creates a key on the page (shown once, stored hashed), lists and revokes it; audited", async () => {
    const admin = await newOperator(env.db, "admin");
    const s = await logIn(env.app, admin.name);
    const form = new URLSearchParams({
      csrf_token: s.csrf,
      name: "support-bot",
      allowed_tools: "check_compliance, send_template",
      allowed_categories: "utility",
      marketing_daily_limit: "10",
      approval_actions: "schedule_campaign",
    });
    const created = await env.app.request("/agents", { method: "POST", headers: { cookie: s.cookie }, body: form });
    expect(created.status).toBe(200);
    const html = await created.text();
    const key = /<code id="new-key">(wak_[A-Za-z0-9_-]{43})<\/code>/.exec(html)?.[1];
    expect(key).toBeDefined();
    const row = await env.db.selectFrom("agent_keys").selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      name: "support-bot",
      allowed_tools: ["check_compliance", "send_template"],
      allowed_categories: ["utility"],
      marketing_daily_limit: 10,
      approval_actions: ["schedule_campaign"],
      created_by: `operator:${admin.name}`,
    });
    expect(row.key_hash).not.toBe(key);
    const list = await (await env.app.request("/agents", { headers: { cookie: s.cookie } })).text();
    expect(list).toContain("support-bot");
    expect(list).not.toContain(key);
    const resolver = createKeyResolver({ db: env.db, ttlMs: 0 });
    expect(await resolver.resolve(key ?? "")).toMatchObject({ actor: "agent:support-bot" });
    const revoke = await env.app.request(`/agents/${row.id}/revoke`, {
      method: "POST",
      headers: { cookie: s.cookie },
      body: new URLSearchParams({ csrf_token: s.csrf }),
    });
    expect(revoke.status).toBe(303);
    expect(await resolver.resolve(key ?? "")).toBeNull();
    const audit = await env.db
      .selectFrom("audit_logs")
      .select(["action", "actor"])
      .where("subject_type", "=", "agent_key")
      .orderBy("id")
      .execute();
    expect(audit).toEqual([
      { action: "agent_key.created", actor: `operator:${admin.name}` },
      { action: "agent_key.revoked", actor: `operator:${admin.name}` },
    ]);
  });

  it("REST: an admin creates (key in the answer only) and revokes; a viewer lists but cannot create", async () => {
    const admin = await newOperator(env.db, "admin");
    const viewer = await newOperator(env.db, "viewer");
    const call = async (op: typeof admin, method: string, path: string, body?: unknown) => {
      const { token } = await createApiToken(env.db, op, "t", "system");
      return env.app.request(`/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    };
    const bad = await call(admin, "POST", "/agents", { name: "Bad Name" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
    const res = await call(admin, "POST", "/agents", { name: "ops-bot", read_only: true, rate_limit_per_sec: 5 });
    const made = (await res.json()) as { ok: boolean; id: string; key: string };
    expect(made).toMatchObject({ ok: true, name: "ops-bot" });
    expect(made.key).toMatch(/^wak_/);
    expect((await call(viewer, "POST", "/agents", { name: "sneaky" })).status).toBe(403);
    const listed = await (await call(viewer, "GET", "/agents")).text();
    expect(listed).toContain("ops-bot");
    expect(listed).not.toContain(made.key);
    expect(listed).not.toContain("key_hash");
    expect(await (await call(admin, "POST", `/agents/${made.id}/revoke`)).json()).toEqual({ ok: true, id: made.id });
    expect((await call(admin, "POST", `/agents/${made.id}/revoke`)).status).toBe(404);
  });
});
