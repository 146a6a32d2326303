import { createApiToken, revokeApiToken } from "@wa/operators";
import { describe, expect, it } from "vitest";
import { logIn, newOperator, PASSWORD, runningCampaign, useConsole } from "./support.js";

const env = useConsole();
// The guesser's own client address, so its failures do not throttle the other tests' logins.
const GUESSER = { incoming: { socket: { remoteAddress: "203.0.113.7" } } };

describe("console access", () => {
  it("without a session: pages redirect to the login, the API answers 401", async () => {
    const page = await env.app.request("/customers");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/login?next=%2Fcustomers");
    const api = await env.app.request("/api/v1/campaigns");
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ ok: false, reason_code: "UNAUTHENTICATED" });
    const forged = await env.app.request("/", { headers: { cookie: "wa_console=wacs_not-a-session" } });
    expect(forged.status).toBe(302);
  });

  it("sets an HttpOnly, SameSite cookie and stores only the session's hash; a login posted from another site is refused", async () => {
    const op = await newOperator(env.db, "viewer");
    const foreign = await env.app.request("http://console.example/login", {
      method: "POST",
      headers: { origin: "https://evil.example" },
      body: new URLSearchParams({ name: op.name, password: PASSWORD }),
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("set-cookie")).toBeNull();
    const res = await env.app.request("/login", {
      method: "POST",
      body: new URLSearchParams({ name: op.name, password: PASSWORD }),
    });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const token = /wa_console=([^;]+)/.exec(cookie)?.[1] ?? "";
    const stored = await env.db
      .selectFrom("operator_sessions")
      .select("id_hash")
      .where("operator_id", "=", op.id)
      .execute();
    expect(stored.length).toBe(1);
    expect(stored[0]!.id_hash).not.toContain(token);
    expect(stored[0]!.id_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a viewer cannot pause a campaign (403), an operator can, audited as operator:<name>", async () => {
    const id = await runningCampaign(env.db);
    const viewer = await newOperator(env.db, "viewer");
    const v = await logIn(env.app, viewer.name);
    const denied = await env.app.request(`/campaigns/${id}/pause`, {
      method: "POST",
      headers: { cookie: v.cookie, "x-csrf-token": v.csrf },
    });
    expect(denied.status).toBe(403);
    const apiDenied = await env.app.request(`/api/v1/campaigns/${id}/pause`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${(await createApiToken(env.db, viewer, "t", "system")).token}`,
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(apiDenied.status).toBe(403);
    expect(await apiDenied.json()).toMatchObject({ reason_code: "FORBIDDEN" });
    expect(
      (await env.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status,
    ).toBe("running");

    const operator = await newOperator(env.db, "operator");
    const o = await logIn(env.app, operator.name);
    const ok = await env.app.request(`/campaigns/${id}/pause`, {
      method: "POST",
      headers: { cookie: o.cookie, "x-csrf-token": o.csrf },
    });
    expect(ok.status).toBe(303);
    expect(
      (await env.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status,
    ).toBe("paused");
    const audit = await env.db
      .selectFrom("audit_logs")
      .select(["actor", "action"])
      .where("subject_id", "=", id)
      .where("action", "=", "campaign.paused")
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe(`operator:${operator.name}`);
  });

  it("a viewer cannot sync templates (403 on the page and the API) and sees no button", async () => {
    const viewer = await newOperator(env.db, "viewer");
    const v = await logIn(env.app, viewer.name);
    expect(await (await env.app.request("/templates", { headers: { cookie: v.cookie } })).text()).not.toContain(
      "Sync now",
    );
    const page = await env.app.request("/templates/sync", {
      method: "POST",
      headers: { cookie: v.cookie, "x-csrf-token": v.csrf },
    });
    expect(page.status).toBe(403);
    const api = await env.app.request("/api/v1/templates/sync", {
      method: "POST",
      headers: { authorization: `Bearer ${(await createApiToken(env.db, viewer, "t", "system")).token}` },
    });
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ reason_code: "FORBIDDEN" });
    expect(
      await env.db.selectFrom("audit_logs").select("id").where("action", "=", "templates.synced").execute(),
    ).toEqual([]);
  });

  it("a state change without the CSRF token is refused (403) and changes nothing", async () => {
    const operator = await newOperator(env.db, "operator");
    const s = await logIn(env.app, operator.name);
    await env.deps.state.upsertCustomer({ customerId: "6281100000001" });
    const form = new URLSearchParams({ marketing: "granted", reason: "asked at the counter" });
    const res = await env.app.request("/customers/6281100000001/consent", {
      method: "POST",
      headers: { cookie: s.cookie, accept: "text/html" },
      body: form,
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("CSRF_FAILED");
    const wrong = await env.app.request("/customers/6281100000001/consent", {
      method: "POST",
      headers: { cookie: s.cookie, "x-csrf-token": `${s.csrf}x` },
      body: form,
    });
    expect(wrong.status).toBe(403);
    expect((await env.deps.state.getCustomer({ customerId: "6281100000001" }))?.consent.marketing.status).toBe(
      "unknown",
    );
    form.set("csrf_token", s.csrf);
    const ok = await env.app.request("/customers/6281100000001/consent", {
      method: "POST",
      headers: { cookie: s.cookie },
      body: form,
    });
    expect(ok.status).toBe(303);
    expect((await env.deps.state.getCustomer({ customerId: "6281100000001" }))?.consent.marketing.status).toBe(
      "granted",
    );
  });

  it("ten wrong passwords slow logins down: 429 with Retry-After, even for the right password", async () => {
    const op = await newOperator(env.db, "admin");
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await env.app.request(
        "/login",
        { method: "POST", body: new URLSearchParams({ name: op.name, password: `wrong-${i}` }) },
        GUESSER,
      );
      statuses.push(res.status);
      retryAfter = res.headers.get("retry-after") ?? retryAfter;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const right = await env.app.request(
      "/login",
      { method: "POST", body: new URLSearchParams({ name: op.name, password: PASSWORD }) },
      GUESSER,
    );
    expect(right.status).toBe(429);
    expect(await right.text()).toContain("Too many wrong passwords");
  });

  it("an API token works until revoked, then 401; tokens are stored hashed", async () => {
    const op = await newOperator(env.db, "operator");
    const t = await createApiToken(env.db, op, "script", "system");
    const auth = { authorization: `Bearer ${t.token}` };
    expect((await env.app.request("/api/v1/overview", { headers: auth })).status).toBe(200);
    const row = await env.db
      .selectFrom("api_tokens")
      .select(["token_hash", "prefix"])
      .where("id", "=", t.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(t.token);
    expect(t.token.startsWith(row.prefix)).toBe(true);
    expect(await revokeApiToken(env.db, t.id, "system")).toBe(true);
    const after = await env.app.request("/api/v1/overview", { headers: auth });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ reason_code: "UNAUTHENTICATED" });
  });

  it("serves an OpenAPI 3.1 document generated from the zod schemas; bad input gets a refusal", async () => {
    const op = await newOperator(env.db, "viewer");
    const auth = { authorization: `Bearer ${(await createApiToken(env.db, op, "doc", "system")).token}` };
    const doc = (await (await env.app.request("/api/v1/openapi.json", { headers: auth })).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/customers/{id}/consent",
        "/campaigns/{id}/pause",
        "/dead-letters/{id}/replay",
        "/audit",
      ]),
    );
    const bad = await env.app.request("/api/v1/messages?status=exploded", { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
  });
});

describe("password change", () => {
  it("needs the current password, then ends every session of the account", async () => {
    const op = await newOperator(env.db, "viewer");
    const a = await logIn(env.app, op.name);
    const b = await logIn(env.app, op.name);
    const wrong = await env.app.request("/settings/password", {
      method: "POST",
      headers: { cookie: a.cookie, "x-csrf-token": a.csrf },
      body: new URLSearchParams({ current: "not it at all", password: "a brand new passphrase" }),
    });
    expect(wrong.headers.get("location")).toContain("error=");
    const ok = await env.app.request("/settings/password", {
      method: "POST",
      headers: { cookie: a.cookie, "x-csrf-token": a.csrf },
      body: new URLSearchParams({ current: PASSWORD, password: "a brand new passphrase" }),
    });
    expect(ok.headers.get("location")).toBe("/login");
    expect((await env.app.request("/", { headers: { cookie: b.cookie } })).status).toBe(302);
    await expect(logIn(env.app, op.name)).rejects.toThrow("login answered 401");
    expect((await logIn(env.app, op.name, "a brand new passphrase")).csrf).not.toBe("");
  });
});
