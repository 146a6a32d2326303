import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMetaClient, explainMetaFailure, type MetaClient, type MetaResult } from "../src/index.js";
import { graphError, PHONE_ID, startGraphServer, TOKEN, WABA_ID, type GraphServer } from "./graph-server.js";

let server: GraphServer;
let client: MetaClient;

function clientFor(overrides: Partial<Parameters<typeof createMetaClient>[0]> = {}): MetaClient {
  return createMetaClient({
    baseUrl: server.url,
    version: "v25.0",
    accessToken: TOKEN,
    phoneNumberId: PHONE_ID,
    wabaId: WABA_ID,
    timeoutMs: 2_000,
    ...overrides,
  });
}

function errorOf<T>(res: MetaResult<T>) {
  if (res.ok) throw new Error(`expected a failure, got ${JSON.stringify(res.value)}`);
  expect(JSON.stringify(res.error)).not.toContain(TOKEN);
  return res.error;
}

function valueOf<T>(res: MetaResult<T>): T {
  if (!res.ok) throw new Error(`expected success, got ${JSON.stringify(res.error)}`);
  return res.value;
}

beforeAll(async () => {
  server = await startGraphServer();
  client = clientFor();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.script.length = 0;
});

describe("sending", () => {
  it("sends text with preview, reply context and our correlation id; phone gets a +", async () => {
    const res = await client.sendText({
      to: "62 811-998-7766",
      body: "Halo",
      previewUrl: true,
      replyToMessageId: "wamid.in1",
      bizOpaqueCallbackData: "msg-42",
    });
    expect(valueOf(res).wamid).toMatch(/^wamid\./);
    const req = server.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`/v25.0/${PHONE_ID}/messages`);
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "+628119987766",
      type: "text",
      text: { body: "Halo", preview_url: true },
      context: { message_id: "wamid.in1" },
      biz_opaque_callback_data: "msg-42",
    });
  });

  it("sends a BSUID unchanged and reads an empty wa_id as null", async () => {
    server.script.push({
      body: {
        messaging_product: "whatsapp",
        contacts: [{ input: "US.123", wa_id: "", user_id: "US.123" }],
        messages: [{ id: "wamid.b" }],
      },
    });
    const value = valueOf(await client.sendText({ to: "US.123", body: "hi" }));
    expect(value).toEqual({ wamid: "wamid.b", input: "US.123", waId: null, userId: "US.123", messageStatus: null });
    expect((server.requests[0]!.body as { to: string }).to).toBe("US.123");
  });

  it("builds positional template components with header and button", async () => {
    await client.sendTemplate({
      to: "+4915112345678",
      name: "order_update",
      languageCode: "de",
      params: ["Anna", "A-17"],
      header: [{ type: "image", image: { link: "https://example.com/a.png" } }],
      buttons: [{ subType: "url", index: 0, parameters: [{ type: "text", text: "A-17" }] }],
      bizOpaqueCallbackData: "msg-7",
    });
    const body = server.requests[0]!.body as { template: unknown; biz_opaque_callback_data: string };
    expect(body.biz_opaque_callback_data).toBe("msg-7");
    expect(body.template).toEqual({
      name: "order_update",
      language: { code: "de" },
      components: [
        { type: "header", parameters: [{ type: "image", image: { link: "https://example.com/a.png" } }] },
        {
          type: "body",
          parameters: [
            { type: "text", text: "Anna" },
            { type: "text", text: "A-17" },
          ],
        },
        { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "A-17" }] },
      ],
    });
  });

  it("builds named template parameters with parameter_name and omits empty components", async () => {
    await client.sendTemplate({
      to: "+14155550100",
      name: "welcome",
      languageCode: "en_US",
      params: { first_name: "Ann", code: "X1" },
    });
    await client.sendTemplate({ to: "+14155550100", name: "hello_world", languageCode: "en_US" });
    expect((server.requests[0]!.body as { template: { components: unknown } }).template.components).toEqual([
      {
        type: "body",
        parameters: [
          { type: "text", parameter_name: "first_name", text: "Ann" },
          { type: "text", parameter_name: "code", text: "X1" },
        ],
      },
    ]);
    expect(server.requests[1]!.body).toMatchObject({ template: { name: "hello_world", language: { code: "en_US" } } });
    expect((server.requests[1]!.body as { template: object }).template).not.toHaveProperty("components");
  });
});

describe("templates and account", () => {
  it("lists one page and follows every page", async () => {
    const page = valueOf(await client.listTemplates({ limit: 2 }));
    expect(page.data.map((t) => t.name)).toEqual(["tpl_0", "tpl_1"]);
    expect(page.after).toBe("2");
    expect(page.data[0]!.qualityScore).toBe("GREEN");
    expect(server.requests[0]!.query.get("fields")).toContain("status");
    const all = valueOf(await client.listAllTemplates({ limit: 2 }));
    expect(all.map((t) => t.id)).toEqual(["9000", "9001", "9002", "9003", "9004"]);
    expect(server.requests).toHaveLength(4);
  });

  it("gets one template and creates one with positional or named examples", async () => {
    const tpl = valueOf(await client.getTemplate("9004"));
    expect(tpl).toMatchObject({ id: "9004", status: "PAUSED", language: "en_US", parameterFormat: "POSITIONAL" });
    expect(tpl.raw.quality_score).toEqual({ score: "GREEN", date: 1700000000 });
    const created = valueOf(
      await client.createTemplate({
        name: "order_ready",
        category: "UTILITY",
        language: "en_US",
        bodyText: "Hi {{1}}, order {{2}} is ready",
        examples: ["Ann", "A-1"],
      }),
    );
    expect(created).toEqual({ id: "594425479261596", status: "PENDING", category: "UTILITY" });
    expect(server.requests[1]!.body).toEqual({
      name: "order_ready",
      category: "UTILITY",
      language: "en_US",
      parameter_format: "positional",
      components: [{ type: "BODY", text: "Hi {{1}}, order {{2}} is ready", example: { body_text: [["Ann", "A-1"]] } }],
    });
    await client.createTemplate({
      name: "promo",
      category: "MARKETING",
      language: "en",
      bodyText: "Hi {{first_name}}",
      examples: { first_name: "Ann" },
    });
    expect(server.requests[2]!.body).toMatchObject({
      parameter_format: "named",
      components: [
        { type: "BODY", example: { body_text_named_params: [{ param_name: "first_name", example: "Ann" }] } },
      ],
    });
  });

  it("reads the phone number and the WABA", async () => {
    expect(valueOf(await client.getPhoneNumber())).toMatchObject({
      id: PHONE_ID,
      verifiedName: "Acme",
      qualityRating: "GREEN",
      throughputLevel: "STANDARD",
      messagingLimitTier: "TIER_2K",
    });
    expect(server.requests[0]!.query.get("fields")).toContain("whatsapp_business_manager_messaging_limit");
    expect(valueOf(await client.getWaba())).toMatchObject({ id: WABA_ID, name: "Acme WABA", currency: "USD" });
  });
});

describe("failures are values, never throws, never the token", () => {
  const cases = [
    { code: 131047, status: 400, category: "template_required" },
    { code: 130429, status: 429, category: "rate_limit_number", subcode: 2494055 },
    { code: 131056, status: 400, category: "rate_limit_pair" },
    { code: 80007, status: 429, category: "rate_limit_waba" },
    { code: 131049, status: 400, category: "wait_24h" },
    { code: 131050, status: 400, category: "opted_out" },
    { code: 131026, status: 400, category: "user_action" },
    { code: 368, status: 403, category: "account" },
    { code: 132001, status: 404, category: "permanent" },
    { code: 131000, status: 500, category: "transient" },
  ] as const;

  for (const c of cases) {
    it(`maps Graph error ${c.code} (${c.category})`, async () => {
      server.script.push({
        status: c.status,
        body: graphError(c.code, "Some title", {
          error_data: { messaging_product: "whatsapp", details: `details for ${c.code}` },
          ...("subcode" in c ? { error_subcode: c.subcode } : {}),
        }),
      });
      const error = errorOf(await client.sendText({ to: "+628111111111", body: "x" }));
      expect(error).toMatchObject({
        kind: "graph",
        code: c.code,
        title: "Some title",
        details: `details for ${c.code}`,
        fbtraceId: "AbCdEf123",
        httpStatus: c.status,
        type: "OAuthException",
        subcode: "subcode" in c ? c.subcode : null,
      });
      expect(explainMetaFailure(error).category).toBe(c.category);
    });
  }

  it("401/190 with the token echoed by Meta is redacted", async () => {
    const res = await clientFor({ accessToken: `${TOKEN}-wrong` }).getPhoneNumber();
    if (res.ok) throw new Error("expected failure");
    expect(res.error).toMatchObject({ kind: "graph", code: 190, httpStatus: 401 });
    expect(res.error.message).toContain("[redacted]");
    expect(JSON.stringify(res.error)).not.toContain(`${TOKEN}-wrong`);
    expect(JSON.stringify(res.error)).not.toContain(TOKEN);
  });

  it("a slow answer is a timeout", async () => {
    server.script.push({ delayMs: 1_000, body: {} });
    const error = errorOf(await clientFor({ timeoutMs: 100 }).sendText({ to: "+628111111111", body: "x" }));
    expect(error).toMatchObject({ kind: "timeout", code: null, httpStatus: null });
    expect(error.message).toContain("100 ms");
  });

  it("a closed port is a network error", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const error = errorOf(await clientFor({ baseUrl: `http://127.0.0.1:${port}` }).getWaba());
    expect(error).toMatchObject({ kind: "network", code: null, httpStatus: null });
    expect(error.message).toContain("ECONNREFUSED");
    expect(explainMetaFailure(error)).toMatchObject({ category: "transient", can_retry: true });
  });

  it("a caller abort is a network error, not a timeout", async () => {
    server.script.push({ delayMs: 500, body: {} });
    const error = errorOf(await client.getWaba({ signal: AbortSignal.timeout(50) }));
    expect(error.kind).toBe("network");
    expect(error.message).toContain("aborted by caller");
  });

  it("non-JSON bodies, bodies of the wrong shape and bare 5xx are invalid_response", async () => {
    server.script.push({ status: 502, raw: "<html>Bad Gateway</html>" });
    const html = errorOf(await client.getWaba());
    expect(html).toMatchObject({ kind: "invalid_response", httpStatus: 502 });
    expect(explainMetaFailure(html).can_retry).toBe(true);

    server.script.push({ status: 200, body: { messaging_product: "whatsapp", messages: [] } });
    const shape = errorOf(await client.sendText({ to: "+628111111111", body: "x" }));
    expect(shape).toMatchObject({ kind: "invalid_response", httpStatus: 200 });
    expect(shape.message).toContain("messages");
    expect(explainMetaFailure(shape).can_retry).toBe(false); // a 200 may mean it was accepted

    server.script.push({ status: 503, body: { nope: true } });
    expect(errorOf(await client.getWaba())).toMatchObject({ kind: "invalid_response", httpStatus: 503 });
  });

  it("an injected fetch that throws is still a value", async () => {
    const broken = clientFor({ fetch: () => Promise.reject(new Error(`boom ${TOKEN}`)) });
    const error = errorOf(await broken.getWaba());
    expect(error.kind).toBe("network");
    expect(error.message).toContain("[redacted]");
  });
});
