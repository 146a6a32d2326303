import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SEED_TEMPLATES, startMockMeta, type RunningMockMeta } from "../src/index.js";
import { PHONE, WABA, call, send, template } from "./helpers.js";

let mock: RunningMockMeta;
let base: string;

beforeAll(async () => {
  mock = await startMockMeta({ port: 0, seed: 3, forceErrors: { "15559990000": 131031 } });
  base = mock.url;
});
afterAll(() => mock.close());
beforeEach(() => call(base, "POST", "/_mock/reset"));

describe("call log and reset", () => {
  it("counts every call per recipient and reset clears the log", async () => {
    await send(base, { ...template("+1 555 123 0010"), biz_opaque_callback_data: "c-1" });
    await send(base, template("15551230011"));
    await send(base, template("15551230011", "no_such"));
    const log = await call(base, "GET", "/_mock/calls?to=%2B15551230011");
    expect(log.json).toMatchObject({ total: 2, accepted: 1 });
    expect(log.json.calls.map((c: any) => c.code)).toEqual([null, 132001]);
    const one = (await call(base, "GET", `/_mock/calls?to=15551230010&phone_number_id=${PHONE}`)).json.calls[0];
    expect(one).toMatchObject({
      method: "POST",
      path: `/v25.0/${PHONE}/messages`,
      to: "15551230010",
      type: "template",
      template_name: "order_update",
      template_language: "en",
      biz_opaque_callback_data: "c-1",
      http_status: 200,
      code: null,
      wamid: expect.stringMatching(/^wamid\./),
    });
    expect((await call(base, "GET", "/_mock/stats")).json).toMatchObject({
      calls: 3,
      accepted: 2,
      rejected: 1,
      by_code: { "132001": 1 },
    });
    await call(base, "POST", "/_mock/reset");
    expect((await call(base, "GET", "/_mock/calls")).json).toMatchObject({ total: 0, calls: [] });
    expect((await call(base, "GET", "/_mock/stats")).json).toMatchObject({ calls: 0, accepted: 0, by_code: {} });
  });
});

describe("error triggers", () => {
  it("maps recipient suffixes to synchronous errors", async () => {
    const expected: Record<string, [number, number]> = {
      "15551110001": [131026, 400],
      "15551110002": [131049, 400],
      "15551110003": [131050, 400],
      "15551110007": [131000, 500],
      "15551110008": [133004, 503],
      "15551110009": [131048, 400],
      "15551110570": [131057, 500],
    };
    for (const [to, [code, status]] of Object.entries(expected)) {
      const r = await send(base, template(to));
      expect([r.json.error.code, r.status]).toEqual([code, status]);
    }
    await call(base, "POST", "/_mock/config", { triggers: false });
    expect((await send(base, template("15551110001"))).status).toBe(200);
  });

  it("answers 190 to every Graph call while the token_revoked knob is on", async () => {
    await call(base, "POST", "/_mock/config", { token_revoked: true });
    const r = await send(base, template("15551113333"));
    expect([r.status, r.json.error.code]).toEqual([401, 190]);
    await call(base, "POST", "/_mock/config", { token_revoked: false });
    expect((await send(base, template("15551113333"))).status).toBe(200);
  });

  it("applies the force_errors map from options and from /_mock/config", async () => {
    expect((await send(base, template("+1 555 999 0000"))).json.error.code).toBe(131031);
    await call(base, "POST", "/_mock/config", { force_errors: { "15551112222": 368 } });
    const r = await send(base, template("15551112222"));
    expect([r.status, r.json.error.code]).toEqual([403, 368]);
  });

  it("fails the next N calls with a chosen code, optionally for one recipient", async () => {
    await call(base, "POST", "/_mock/fail-next", { count: 2, code: 131016 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await send(base, template(`1555111300${i}5`))).json.error?.code ?? 0);
    expect(codes).toEqual([131016, 131016, 0]);
    await call(base, "POST", "/_mock/fail-next", { to: "15551113335" });
    expect((await send(base, template("15551113336"))).status).toBe(200);
    expect((await send(base, template("15551113335"))).json.error.code).toBe(131000);
  });

  it("fails a seeded share of sends with 131000 or 133004", async () => {
    await call(base, "POST", "/_mock/config", { failure_rate: 1 });
    const codes = new Set<number>();
    for (let i = 0; i < 20; i++)
      codes.add((await send(base, template(`155511140${String(i).padStart(2, "0")}5`))).json.error.code);
    expect([...codes].toSorted()).toEqual([131000, 133004]);
  });

  it("delays answers by the latency knob", async () => {
    await call(base, "POST", "/_mock/config", { latency_ms: 150 });
    const t = Date.now();
    await send(base, template("15551115555"));
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });
});

describe("Graph reads", () => {
  it("returns the phone number and the WABA", async () => {
    expect((await call(base, "GET", `/v25.0/${PHONE}`, undefined, null)).status).toBe(401);
    expect((await call(base, "GET", `/v25.0/${PHONE}?access_token=mock-token`, undefined, null)).json.id).toBe(PHONE);
    const phone = (await call(base, "GET", `/v25.0/${PHONE}`)).json;
    expect(phone).toMatchObject({
      id: PHONE,
      verified_name: "Mock Business",
      quality_rating: "GREEN",
      throughput: { level: "STANDARD" },
      whatsapp_business_manager_messaging_limit: "TIER_250",
    });
    await call(base, "POST", "/_mock/quality", { quality_rating: "RED", messaging_limit: "TIER_2K" });
    expect((await call(base, "GET", `/v25.0/${PHONE}?fields=quality_rating`)).json).toEqual({
      quality_rating: "RED",
      id: PHONE,
    });
    expect((await call(base, "GET", `/v25.0/${WABA}`)).json).toMatchObject({ id: WABA, currency: "USD" });
    expect((await call(base, "GET", `/v25.0/${WABA}/phone_numbers`)).json.data[0].id).toBe(PHONE);
    expect((await call(base, "GET", "/v25.0/123")).json.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await call(base, "GET", `/v25.0/${PHONE}/nothing/here`)).json.error.code).toBe(2500);
  });

  it("pages the template list with cursors and a next link", async () => {
    const first = (await call(base, "GET", `/v25.0/${WABA}/message_templates?limit=3`)).json;
    expect(first.data).toHaveLength(3);
    expect(first.paging.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
    const names: string[] = first.data.map((t: any) => `${t.name}/${t.language}`);
    let next: string | undefined = first.paging.next;
    while (next !== undefined) {
      const page = (await call(next.replace(/^http:\/\/[^/]+/, base), "GET", "")).json;
      names.push(...page.data.map((t: any) => `${t.name}/${t.language}`));
      next = page.paging?.next;
    }
    expect(names).toEqual(SEED_TEMPLATES.map((t) => `${t.name}/${t.language}`));
    const approved = (await call(base, "GET", `/v25.0/${WABA}/message_templates?status=APPROVED&fields=name,status`))
      .json;
    expect(approved.data.every((t: any) => t.status === "APPROVED" && t.components === undefined)).toBe(true);
    const one = (await call(base, "GET", `/v25.0/${SEED_TEMPLATES[0]?.id}`)).json;
    expect(one).toMatchObject({
      name: "order_update",
      status: "APPROVED",
      category: "UTILITY",
      parameter_format: "POSITIONAL",
    });
  });

  it("replaces the template store with PUT /_mock/templates", async () => {
    const put = await call(base, "PUT", "/_mock/templates", {
      templates: [
        {
          name: "only_one",
          language: "de",
          category: "marketing",
          components: [{ type: "BODY", text: "Hi {{name}}" }],
        },
      ],
    });
    expect(put.json.data).toEqual([
      expect.objectContaining({
        name: "only_one",
        status: "APPROVED",
        parameter_format: "NAMED",
        category: "MARKETING",
      }),
    ]);
    expect((await send(base, template("15551116666"))).json.error.code).toBe(132001);
  });
});
