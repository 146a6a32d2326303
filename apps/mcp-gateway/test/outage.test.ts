import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@wa/db";
import { TEST_DATABASE_ADMIN_URL, uniqueId } from "@wa/testkit";
import { sql } from "kysely";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let noPg: Gateway;
let noRedis: Gateway;

beforeAll(async () => {
  env = await setupEnv();
  noPg = await env.gateway({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" });
  noRedis = await env.gateway({ REDIS_URL: "redis://127.0.0.1:1" });
});
afterAll(async () => env?.close());

describe("Postgres down", () => {
  it.each([
    ["send_message", { to: "+49 151 1234 5678", text: "hi" }],
    ["get_delivery_status", { message_id: "wamid.X" }],
    ["list_conversations", {}],
    ["get_campaign", { campaign_id: "00000000-0000-4000-8000-000000000000" }],
    ["update_consent", { customer_id: "+49 151 1234 5678", marketing: "granted", source: "form" }],
  ])("%s answers UNAVAILABLE naming what still works", async (tool, args) => {
    const r = await noPg.call(tool, args);
    expect(r.isError).toBe(true);
    expect(r.structured.reason_code).toBe("UNAVAILABLE");
    expect(r.structured.suggested_action).toMatch(/explain_error/);
    expect(r.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/); // no internals
  });

  it("tools that need no database keep working", async () => {
    expect((await noPg.call("explain_error", { code: 131026 })).isError).toBe(false);
    expect(
      (await noPg.call("estimate_cost", { message_type: "marketing", recipient_country: "BR", quantity: 10 })).isError,
    ).toBe(false);
    expect((await noPg.call("get_account_quality", {})).isError).toBe(false);
  });
});

describe("Redis down", () => {
  it("decisions and sends still work from Postgres; the limiter reports its local fallback", async () => {
    const c = await noRedis.call("check_compliance", {
      customer_id: "+49 151 1234 5679",
      message_type: "template",
      template_name: "order_update",
    });
    expect(c.isError).toBe(false);
    expect(c.structured).toMatchObject({ allowed: true });
    const s = await noRedis.call("send_template", {
      to: "+49 151 1234 5679",
      template_name: "order_update",
      variables: ["a", "b"],
    });
    expect(s.structured).toMatchObject({ status: "queued" });
    const rl = await noRedis.call("get_rate_limit", {});
    expect(rl.structured).toMatchObject({ source: "local" });
  });
});

describe("Postgres out of connections (issue 21)", () => {
  it("says the cause is too many connections (53300), not just that a dependency did not answer", async () => {
    // A role allowed 0 connections gets exactly Postgres's "too many connections" answer (SQLSTATE 53300).
    const role = `wa_t_full_${uniqueId()
      .replace(/[^a-z0-9]/gi, "")
      .toLowerCase()}`.slice(0, 60);
    const admin = createDb(TEST_DATABASE_ADMIN_URL, { max: 1 });
    await sql.raw(`CREATE ROLE "${role}" LOGIN CONNECTION LIMIT 0`).execute(admin);
    try {
      const url = new URL(env.db.url);
      url.username = role;
      const full = await env.gateway({ DATABASE_URL: url.toString() });
      const r = await full.call("send_message", { to: "+49 151 1234 5678", text: "hi" });
      expect(r.structured.reason_code).toBe("UNAVAILABLE");
      expect(r.structured.human_explanation).toMatch(/too many connections/);
      expect(r.structured.suggested_action).toMatch(/DB_POOL_MAX/);
      await full.close();
    } finally {
      await sql.raw(`DROP ROLE IF EXISTS "${role}"`).execute(admin);
      await admin.destroy();
    }
  });
});
