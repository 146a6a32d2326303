// "Sync now" runs @wa/compliance's syncTemplates (the gateway's sync) against mock-meta's template list.
import { openTemplateSources, syncTemplates } from "@wa/compliance";
import { createMetaClient } from "@wa/meta";
import { DEFAULT_WABA_ID, SEED_TEMPLATES, startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createApiToken } from "@wa/operators";
import { TWO_BUSINESSES, twoBusinessesOnMockMeta, writeTwoBusinesses } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleApp } from "../src/app.js";
import { logIn, newOperator, useConsole } from "./support.js";

const env = useConsole();
let meta: RunningMockMeta;
beforeAll(async () => {
  meta = await startMockMeta({ port: 0 });
});
afterAll(async () => {
  await meta.close();
});

/** A console app whose Meta client uses `accessToken` against the mock. */
function consoleWithMeta(accessToken: string) {
  const client = createMetaClient({
    baseUrl: meta.url,
    version: "v25.0",
    accessToken,
    phoneNumberId: "",
    wabaId: DEFAULT_WABA_ID,
    timeoutMs: 5000,
  });
  return createConsoleApp({
    ...env.deps,
    syncTemplates: () => syncTemplates({ db: env.db, meta: client, now: Date.now }),
  });
}

/** A seed template renamed, with its own Meta id (one WABA's own template). */
const seed = (name: string, id: string) => ({ ...SEED_TEMPLATES[0]!, id, name });

async function apiAs(app: ReturnType<typeof createConsoleApp>, role: "operator") {
  const op = await newOperator(env.db, role);
  const { token } = await createApiToken(env.db, op, "t", "system");
  return {
    op,
    post: (path: string) =>
      app.request(`/api/v1${path}`, { method: "POST", headers: { authorization: `Bearer ${token}` } }),
  };
}

describe("templates: sync now", () => {
  it("the API re-reads every template from Meta into the table, audited as operator:<name>", async () => {
    const app = consoleWithMeta("mock-token");
    const { op, post } = await apiAs(app, "operator");
    const res = await post("/templates/sync");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; synced: number };
    const rows = await env.db.selectFrom("templates").select(["name", "locale", "status", "synced_at"]).execute();
    expect(body).toEqual({ ok: true, synced: rows.length });
    expect(rows.map((r) => `${r.name}:${r.locale}:${r.status}`).toSorted()).toEqual(
      SEED_TEMPLATES.map((t) => `${t.name}:${t.language}:${t.status}`).toSorted(),
    );
    expect(rows.every((r) => r.synced_at !== null)).toBe(true);
    const audit = await env.db
      .selectFrom("audit_logs")
      .select(["actor", "details"])
      .where("action", "=", "templates.synced")
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actor: `operator:${op.name}`, details: { templates_synced: rows.length } });
  });

  it("the page's button (operator, with CSRF) syncs and says how many; the list shows them", async () => {
    const app = consoleWithMeta("mock-token");
    const op = await newOperator(env.db, "operator");
    const s = await logIn(app, op.name);
    const before = await (await app.request("/templates", { headers: { cookie: s.cookie } })).text();
    expect(before).toMatch(/<button[^>]*class="sync"[^>]*>Sync now/);
    expect(before).not.toContain("disabled");
    const res = await app.request("/templates/sync", {
      method: "POST",
      headers: { cookie: s.cookie, "x-csrf-token": s.csrf },
    });
    expect(res.status).toBe(303);
    const location = decodeURIComponent(res.headers.get("location") ?? "");
    expect(location).toMatch(/^\/templates\?notice=Synced \d+ templates from Meta\.$/);
    const page = await (await app.request(location, { headers: { cookie: s.cookie } })).text();
    expect(page).toContain(SEED_TEMPLATES[0]!.name);
    expect(
      await env.db
        .selectFrom("audit_logs")
        .select("actor")
        .where("action", "=", "templates.synced")
        .where("actor", "=", `operator:${op.name}`)
        .executeTakeFirst(),
    ).toBeDefined();
  });

  it("Meta refusing the token is a META_API_ERROR refusal (502) that shows no token, and nothing is audited", async () => {
    const app = consoleWithMeta("wrong-secret-token-123");
    const { op, post } = await apiAs(app, "operator");
    const res = await post("/templates/sync");
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ ok: false, reason_code: "META_API_ERROR" });
    expect(text).not.toContain("wrong-secret-token-123");
    expect(
      await env.db
        .selectFrom("audit_logs")
        .select("id")
        .where("action", "=", "templates.synced")
        .where("actor", "=", `operator:${op.name}`)
        .execute(),
    ).toEqual([]);
  });

  it("without Meta credentials the button is disabled and says why; the API answers UNAVAILABLE (503)", async () => {
    const op = await newOperator(env.db, "operator");
    const s = await logIn(env.app, op.name);
    const page = await (await env.app.request("/templates", { headers: { cookie: s.cookie } })).text();
    expect(page).toMatch(/<button[^>]*disabled[^>]*>Sync now/);
    expect(page).toContain("Unavailable: The console has no Meta access token");
    const { post } = await apiAs(env.app, "operator");
    const res = await post("/templates/sync");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, reason_code: "UNAVAILABLE" });
  });

  it("with accounts.yaml every WABA is synced with its own token, and the list shows each template's WABA", async () => {
    const { WX, WY } = TWO_BUSINESSES;
    const [x, y] = twoBusinessesOnMockMeta();
    const multi = await startMockMeta({
      port: 0,
      accounts: [
        { ...x, templates: [seed("x_promo", "810000000000001")] },
        { ...y, templates: [seed("y_promo", "820000000000001")] },
      ],
    });
    try {
      const cfg = {
        ACCOUNTS_FILE: writeTwoBusinesses(),
        META_API_BASE_URL: multi.url,
        META_API_VERSION: "v25.0",
        META_TIMEOUT_MS: 5000,
      };
      const { X_TOKEN, Y_TOKEN } = TWO_BUSINESSES.env; // tokens alone: syncing templates needs no app secret
      const wabas = await openTemplateSources(env.db, cfg, { X_TOKEN, Y_TOKEN });
      expect(wabas?.map((w) => w.wabaId)).toEqual([WX, WY]);
      const app = createConsoleApp({
        ...env.deps,
        syncTemplates: () => syncTemplates({ db: env.db, wabas: wabas!, now: Date.now }),
      });
      const { post } = await apiAs(app, "operator");
      expect(await (await post("/templates/sync")).json()).toEqual({ ok: true, synced: 2 });
      const op = await newOperator(env.db, "viewer");
      const s = await logIn(app, op.name);
      const page = await (await app.request("/templates", { headers: { cookie: s.cookie } })).text();
      expect(page).toMatch(new RegExp(`x_promo</td><td>[^<]*</td><td>${WX}<span class="muted"> \\(x\\)`));
      expect(page).toMatch(new RegExp(`y_promo</td><td>[^<]*</td><td>${WY}<span class="muted"> \\(y\\)`));
    } finally {
      await multi.close();
    }
  });
});
