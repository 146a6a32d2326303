import { createHmac } from "node:crypto";
import { loadConfig, mockMetaEnv } from "@wa/config";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accountsFromEnv } from "../src/accounts-env.js";
import { startMockMeta, type MockAccount, type RunningMockMeta } from "../src/index.js";
import { call, startTarget, statusesOf, template, text, waitFor, type Received, type Target } from "./helpers.js";

// Two WABAs with two numbers each, every account with its own token and app secret.
const A = {
  waba: "300000000000001",
  token: "token-a",
  secret: "secret-a",
  n1: "310000000000001",
  n2: "310000000000002",
};
const B = {
  waba: "300000000000002",
  token: "token-b",
  secret: "secret-b",
  n1: "320000000000001",
  n2: "320000000000002",
};
const ACCOUNTS: MockAccount[] = [
  {
    wabaId: A.waba,
    token: A.token,
    appSecret: A.secret,
    numbers: [{ phoneNumberId: A.n1, displayPhoneNumber: "+1 555 010 0001" }, { phoneNumberId: A.n2 }],
  },
  {
    wabaId: B.waba,
    token: B.token,
    appSecret: B.secret,
    numbers: [
      { phoneNumberId: B.n1, throughputMps: 4 },
      { phoneNumberId: B.n2, verifiedName: "Shop B2" },
    ],
  },
];

let mock: RunningMockMeta;
let target: Target;
let base: string;
let clock = Date.now();

const sendFrom = (phone: string, token: string, body: object) =>
  call(base, "POST", `/v25.0/${phone}/messages`, { messaging_product: "whatsapp", ...body }, token);
const signedWith = (secret: string, r: Received): boolean =>
  r.headers["x-hub-signature-256"] === `sha256=${createHmac("sha256", secret).update(r.raw).digest("hex")}`;
const changesOf = (r: Received) => r.body.entry.flatMap((e) => e.changes.map((c) => ({ waba: e.id, ...c })));

const burst = async (phone: string, token: string, n: number) => {
  const codes: (number | null)[] = [];
  for (let i = 0; i < n; i++)
    codes.push((await sendFrom(phone, token, template(`1555777${phone.slice(-1)}${i}${i}1`))).json.error?.code ?? null);
  return codes;
};
const expectNoSuchObject = (r: { status: number; json: any }, id: string) => {
  expect(r.status).toBe(400);
  expect(r.json.error).toMatchObject({ code: 100, error_subcode: 33, type: "GraphMethodException" });
  expect(r.json.error.message).toContain(`Object with ID '${id}' does not exist`);
};
const byWamid = (wamid: string) => target.received.find((r) => statusesOf([r]).some((s) => s.id === wamid)) as Received;

beforeAll(async () => {
  target = await startTarget();
  mock = await startMockMeta({
    port: 0,
    accounts: ACCOUNTS,
    throughputMps: 2,
    webhookTargetUrl: target.url,
    now: () => clock,
    knobs: { webhook_delays_ms: { sent: 10, delivered: 20, read: 30 }, drop_rates: { delivered: 1, read: 1 } },
  });
  base = mock.url;
});
afterAll(async () => {
  await mock.close();
  await target.close();
});
beforeEach(async () => {
  await waitFor(() => mock.mock.webhooksIdle());
  await call(base, "POST", "/_mock/reset");
  target.received.length = 0;
  clock = Date.now();
});

describe("throughput per number", () => {
  it("a saturated number answers 130429 while the others, at their own rates, still accept", async () => {
    expect(await burst(A.n1, A.token, 3)).toEqual([null, null, 130429]);
    expect(await burst(A.n2, A.token, 2)).toEqual([null, null]);
    expect(await burst(B.n1, B.token, 5)).toEqual([null, null, null, null, 130429]); // its own 4 mps
    clock += 500; // half a second refills one token at 2 mps
    expect(await burst(A.n1, A.token, 2)).toEqual([null, 130429]);
    const stats = (await call(base, "GET", "/_mock/stats")).json;
    expect(stats.by_phone_number_id[A.n1]).toMatchObject({ calls: 5, accepted: 3, by_code: { "130429": 2 } });
    expect(stats.by_phone_number_id[A.n2]).toMatchObject({ calls: 2, accepted: 2, rejected: 0 });
    expect(stats.by_phone_number_id[B.n1]).toMatchObject({ calls: 5, accepted: 4 });
    const log = (await call(base, "GET", `/_mock/calls?phone_number_id=${A.n2}`)).json;
    expect(log.calls.map((c: { phone_number_id: string }) => c.phone_number_id)).toEqual([A.n2, A.n2]);
  });

  it("keeps the pair limit per (number, recipient): the same customer is reachable from another number", async () => {
    await call(base, "POST", "/_mock/config", { pair_burst: 1 });
    await call(base, "POST", "/_mock/throughput", { mps: 100, phone_number_id: A.n1 });
    expect((await sendFrom(A.n1, A.token, template("15557770101"))).status).toBe(200);
    expect((await sendFrom(A.n1, A.token, template("15557770101"))).json.error.code).toBe(131056);
    expect((await sendFrom(A.n2, A.token, template("15557770101"))).status).toBe(200);
  });
});

describe("auth per WABA", () => {
  it("refuses WABA A's token on WABA B's numbers, WABA and templates with 100/33; B's own token works", async () => {
    expectNoSuchObject(await sendFrom(B.n1, A.token, template("15557770201")), B.n1);
    expectNoSuchObject(await call(base, "GET", `/v25.0/${B.n2}`, undefined, A.token), B.n2);
    expectNoSuchObject(await call(base, "GET", `/v25.0/${B.waba}/message_templates`, undefined, A.token), B.waba);
    expectNoSuchObject(await call(base, "GET", `/v25.0/${B.waba}/phone_numbers`, undefined, A.token), B.waba);
    const bTemplate = (await call(base, "GET", `/v25.0/${B.waba}/message_templates`, undefined, B.token)).json.data[0];
    expectNoSuchObject(await call(base, "GET", `/v25.0/${bTemplate.id}`, undefined, A.token), bTemplate.id);
    expect((await sendFrom(B.n1, B.token, template("15557770201"))).status).toBe(200);
    const numbers = (await call(base, "GET", `/v25.0/${B.waba}/phone_numbers`, undefined, B.token)).json.data;
    expect(numbers.map((p: { id: string }) => p.id)).toEqual([B.n1, B.n2]);
    expect(numbers[1].verified_name).toBe("Shop B2");
    // Refused calls are still logged against the number they named.
    const log = (await call(base, "GET", `/_mock/calls?phone_number_id=${B.n1}`)).json.calls;
    expect(log.map((c: { code: number | null }) => c.code)).toEqual([100, null]);
  });

  it("answers an unknown number with 100/33 and an unknown token with 190", async () => {
    expectNoSuchObject(await sendFrom("399999999999999", A.token, text("15557770202")), "399999999999999");
    const bad = await sendFrom(A.n1, "mock-token", text("15557770202"));
    expect([bad.status, bad.json.error.code]).toEqual([401, 190]);
  });

  it("keeps media with the number it was uploaded to: another WABA's token can neither read nor download it", async () => {
    const form = new FormData();
    form.set("messaging_product", "whatsapp");
    form.set("file", new Blob([Buffer.from("jpeg")], { type: "image/jpeg" }), "a.jpg");
    const up = await fetch(`${base}/v25.0/${A.n2}/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${A.token}` },
      body: form,
    });
    const id = ((await up.json()) as { id: string }).id;
    expectNoSuchObject(await call(base, "GET", `/v25.0/${id}`, undefined, B.token), id);
    const meta = await call(base, "GET", `/v25.0/${id}`, undefined, A.token);
    const download = (token: string) => fetch(meta.json.url, { headers: { authorization: `Bearer ${token}` } });
    expect([(await download(A.token)).status, (await download(B.token)).status]).toEqual([200, 404]);
  });

  it("debug_token and appsecret_proof follow the token's own account", async () => {
    const debug = await call(base, "GET", `/v25.0/debug_token?input_token=${B.token}`, undefined, B.token);
    expect(debug.json.data.is_valid).toBe(true);
    expect(debug.json.data.granular_scopes[0].target_ids).toEqual([B.waba]);
    const proof = (secret: string) => createHmac("sha256", secret).update(A.token).digest("hex");
    const path = (secret: string) => `/v25.0/${A.n1}?appsecret_proof=${proof(secret)}`;
    expect((await call(base, "GET", path(A.secret), undefined, A.token)).status).toBe(200);
    expect((await call(base, "GET", path(B.secret), undefined, A.token)).json.error.code).toBe(100);
  });
});

describe("templates per WABA", () => {
  it("a template created in WABA A is listed and sendable in A only; B gets 132001", async () => {
    await call(base, "POST", "/_mock/templates", {
      waba_id: A.waba,
      name: "only_in_a",
      language: "en",
      components: [{ type: "BODY", text: "Hi {{1}}" }],
    });
    const names = async (waba: string, token: string) =>
      (await call(base, "GET", `/v25.0/${waba}/message_templates?limit=100`, undefined, token)).json.data.map(
        (t: { name: string }) => t.name,
      );
    expect(await names(A.waba, A.token)).toContain("only_in_a");
    expect(await names(B.waba, B.token)).not.toContain("only_in_a");
    const onlyInA = template("15557770301", "only_in_a", ["Ann"]);
    expect((await sendFrom(A.n2, A.token, onlyInA)).status).toBe(200);
    const fromB = await sendFrom(B.n1, B.token, onlyInA);
    expect([fromB.status, fromB.json.error.code]).toEqual([404, 132001]);
    // Both accounts start from the seed, each copy with its own template ids.
    const seedId = async (waba: string, token: string) =>
      (await call(base, "GET", `/v25.0/${waba}/message_templates?name=order_update`, undefined, token)).json.data[0].id;
    expect(await seedId(A.waba, A.token)).not.toBe(await seedId(B.waba, B.token));
  });
});

describe("webhooks per account", () => {
  it("statuses carry each number's WABA and metadata and are signed with that account's secret", async () => {
    const a = await sendFrom(A.n1, A.token, template("15557770401"));
    const b = await sendFrom(B.n2, B.token, template("15557770402"));
    await waitFor(() => statusesOf(target.received).length >= 2);
    const gotA = byWamid(a.json.messages[0].id);
    const gotB = byWamid(b.json.messages[0].id);
    expect(changesOf(gotA)[0]).toMatchObject({
      waba: A.waba,
      value: { metadata: { phone_number_id: A.n1, display_phone_number: "15550100001" } },
    });
    expect(changesOf(gotB)[0]).toMatchObject({
      waba: B.waba,
      value: { metadata: { phone_number_id: B.n2, display_phone_number: "15550200004" } },
    });
    expect([signedWith(A.secret, gotA), signedWith(B.secret, gotA)]).toEqual([true, false]);
    expect([signedWith(B.secret, gotB), signedWith(A.secret, gotB)]).toEqual([true, false]);
  });

  it("an inbound message injected to number B2 arrives with B2's metadata and opens B2's window only", async () => {
    const res = await call(base, "POST", "/_mock/inbound", { from: "15557770501", text: "hi", phone_number_id: B.n2 });
    expect(res.json.messages[0].phone_number_id).toBe(B.n2);
    await waitFor(() => target.received.length >= 1);
    const got = target.received[0] as Received;
    expect(changesOf(got)[0]).toMatchObject({
      waba: B.waba,
      field: "messages",
      value: { metadata: { phone_number_id: B.n2 }, messages: [{ from: "15557770501", text: { body: "hi" } }] },
    });
    expect(signedWith(B.secret, got)).toBe(true);
    expect((await sendFrom(B.n2, B.token, text("15557770501"))).status).toBe(200);
    expect((await sendFrom(B.n1, B.token, text("15557770501"))).json.error.code).toBe(131047);
  });

  it("a throughput upgrade on B1 sets B1's rate and is reported for B1 under WABA B", async () => {
    const r = await call(base, "POST", "/_mock/throughput", { mps: 1000, phone_number_id: B.n1 });
    expect(r.json).toMatchObject({ phone_number_id: B.n1, mps: 1000 });
    await waitFor(() => target.received.length >= 1);
    const got = target.received[0] as Received;
    expect(changesOf(got)[0]).toMatchObject({
      waba: B.waba,
      field: "phone_number_quality_update",
      value: { event: "THROUGHPUT_UPGRADE", display_phone_number: "15550200003" },
    });
    expect(signedWith(B.secret, got)).toBe(true);
    const info = await call(base, "GET", `/v25.0/${B.n1}?fields=throughput`, undefined, B.token);
    expect(info.json.throughput).toEqual({ level: "HIGH" });
    expect((await call(base, "GET", `/v25.0/${B.n2}?fields=throughput`, undefined, B.token)).json.throughput).toEqual({
      level: "STANDARD",
    });
  });
});

describe("MOCK_META_ACCOUNTS", () => {
  it("parses the snake_case JSON into the accounts option and reports problems without echoing secrets", async () => {
    const env = JSON.stringify([
      {
        waba_id: "400000000000001",
        token: "env-token",
        app_secret: "env-secret",
        numbers: [{ phone_number_id: "41", throughput_mps: 7 }],
      },
    ]);
    const accounts = accountsFromEnv(loadConfig(mockMetaEnv, { MOCK_META_ACCOUNTS: env }).MOCK_META_ACCOUNTS ?? []);
    expect(accounts).toEqual([
      {
        wabaId: "400000000000001",
        token: "env-token",
        appSecret: "env-secret",
        numbers: [{ phoneNumberId: "41", throughputMps: 7 }],
      },
    ]);
    const other = await startMockMeta({ port: 0, accounts });
    const info = await call(other.url, "GET", "/v25.0/41", undefined, "env-token");
    expect(info.json).toMatchObject({ id: "41", display_phone_number: "+15550200001" });
    await other.close();
    const broken = JSON.stringify([{ waba_id: "4", token: "s3cret-token", numbers: [] }]);
    expect(() => loadConfig(mockMetaEnv, { MOCK_META_ACCOUNTS: broken })).toThrow(
      /MOCK_META_ACCOUNTS: \[0\.app_secret\]/,
    );
    expect(() => loadConfig(mockMetaEnv, { MOCK_META_ACCOUNTS: broken })).not.toThrow(/s3cret-token/);
    expect(() => loadConfig(mockMetaEnv, { MOCK_META_ACCOUNTS: "not json" })).toThrow(/JSON array of accounts/);
  });
});
