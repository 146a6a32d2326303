// pnpm run doctor against mock-meta (which answers debug_token, subscribed_apps and appsecret_proof like Graph) and a
// migrated test database: every check passes on a good setup and each broken piece fails with why and what to do.
import { syncTemplates } from "@wa/compliance";
import { createDb, type Db } from "@wa/db";
import { createMetaClient } from "@wa/meta";
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID, startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DoctorTarget, formatReport, runDoctor } from "../src/index.js";

const TOKEN = "EAAG-doctor-test-token-4f1c9e";
const SECRET = "doctor-app-secret";
const database = useTestDatabase();
let meta: RunningMockMeta;
let db: Db;
let target: DoctorTarget;

const knobs = (patch: object) =>
  fetch(`${meta.url}/_mock/config`, { method: "POST", body: JSON.stringify(patch) }).then((r) => r.json());

async function sync(): Promise<void> {
  const client = createMetaClient({
    baseUrl: meta.url,
    version: "v25.0",
    accessToken: TOKEN,
    phoneNumberId: DEFAULT_PHONE_NUMBER_ID,
    wabaId: DEFAULT_WABA_ID,
    timeoutMs: 5000,
  });
  expect((await syncTemplates({ db, meta: client, now: Date.now })).ok).toBe(true);
}

const statusOf = async (t: DoctorTarget = target) =>
  Object.fromEntries((await runDoctor(t, db)).checks.map((c) => [c.name, c.status]));

beforeAll(async () => {
  meta = await startMockMeta({ port: 0, accessToken: TOKEN, appSecret: SECRET });
  db = createDb(database.url, { max: 2 });
  target = {
    baseUrl: meta.url,
    version: "v25.0",
    accessToken: TOKEN,
    timeoutMs: 5000,
    phoneNumberId: DEFAULT_PHONE_NUMBER_ID,
    wabaId: DEFAULT_WABA_ID,
    appSecret: SECRET,
  };
});

afterAll(async () => {
  await db.destroy();
  await meta.close();
});

beforeEach(async () => {
  meta.mock.reset();
});

describe("pnpm run doctor", () => {
  it("passes every check on a good configuration, after the templates were synced", async () => {
    await sync();
    const report = await runDoctor(target, db);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ["access token", "ok"],
      ["app secret", "ok"],
      ["phone number", "ok"],
      ["business account", "ok"],
      ["webhook subscription", "ok"],
      ["templates synced", "ok"],
    ]);
    expect(report.ok).toBe(true);
    expect(formatReport(report, "mock")).toMatch(/All checks passed/);
  });

  it("fails a revoked token with the catalog's explanation, skips the rest, and never prints the token", async () => {
    await knobs({ token_revoked: true });
    const report = await runDoctor(target, db);
    expect(report.ok).toBe(false);
    const token = report.checks[0]!;
    expect(token).toMatchObject({ name: "access token", status: "fail" });
    expect(token.detail).toMatch(/190/);
    expect(token.explanation).toMatch(/expired or is invalid/);
    expect(token.action).toMatch(/system user/);
    expect(report.checks.slice(1).every((c) => c.status === "skip")).toBe(true);
    const text = formatReport(report, "mock");
    expect(text).not.toContain(TOKEN);
    expect(text).toMatch(/1 check\(s\) failed/);
  });

  it("fails a token without whatsapp_business_messaging and says how to get one", async () => {
    await knobs({ token_scopes: ["whatsapp_business_management"] });
    const [token] = (await runDoctor(target, db)).checks;
    expect(token).toMatchObject({ status: "fail" });
    expect(token!.detail).toMatch(/lacks whatsapp_business_messaging/);
    expect(token!.action).toMatch(/Generate the system user's token again/);
  });

  it("fails a wrong app secret through appsecret_proof", async () => {
    await sync();
    const s = await statusOf({ ...target, appSecret: "another-apps-secret" });
    expect(s).toMatchObject({ "access token": "ok", "app secret": "fail", "phone number": "ok" });
    const check = (await runDoctor({ ...target, appSecret: "another-apps-secret" }, db)).checks[1]!;
    expect(check.action).toMatch(/META_APP_SECRET/);
    expect((await statusOf({ ...target, appSecret: undefined }))["app secret"]).toBe("skip");
  });

  it("fails an unsubscribed WABA and gives the one call that subscribes it", async () => {
    await knobs({ waba_subscribed: false });
    const check = (await runDoctor(target, db)).checks.find((c) => c.name === "webhook subscription")!;
    expect(check.status).toBe("fail");
    expect(check.action).toMatch(new RegExp(`/${DEFAULT_WABA_ID}/subscribed_apps`));
    expect(check.action).not.toContain(TOKEN);
  });

  it("fails a phone number the token cannot see, explained by the error catalog", async () => {
    const report = await runDoctor({ ...target, phoneNumberId: "999999999999" }, db);
    const phone = report.checks.find((c) => c.name === "phone number")!;
    expect(phone.status).toBe("fail");
    expect(phone.detail).toMatch(/Meta error 100/);
    expect(phone.action).toMatch(/META_PHONE_NUMBER_ID/);
    expect(report.checks.find((c) => c.name === "business account")!.detail).toMatch(
      /does not list phone number 999999999999/,
    );
  });

  it("fails a WABA the token was not granted on", async () => {
    const [token] = (await runDoctor({ ...target, wabaId: "888888888888" }, db)).checks;
    expect(token).toMatchObject({ status: "fail" });
    expect(token!.detail).toMatch(/not on WABA 888888888888/);
    expect(token!.action).toMatch(/Assign WABA 888888888888 to the system user/);
  });

  it("fails when the stored templates differ from Meta's, and passes again after a sync", async () => {
    await sync();
    await fetch(`${meta.url}/_mock/templates`, {
      method: "POST",
      body: JSON.stringify({ name: "order_update", status: "PAUSED", emit_webhook: false }),
    });
    const stale = (await runDoctor(target, db)).checks.find((c) => c.name === "templates synced")!;
    expect(stale.status).toBe("fail");
    expect(stale.detail).toMatch(/order_update \(en\) PAUSED at Meta, APPROVED here/);
    expect(stale.action).toMatch(/TEMPLATE_SYNC_SECS/);
    await sync();
    expect((await statusOf())["templates synced"]).toBe("ok");
  });

  it("skips the template comparison without a database", async () => {
    const report = await runDoctor(target, null);
    expect(report.checks.find((c) => c.name === "templates synced")).toMatchObject({ status: "skip" });
    expect(report.ok).toBe(true);
  });
});
