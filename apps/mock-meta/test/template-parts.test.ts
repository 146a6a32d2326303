import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockMeta, type RunningMockMeta } from "../src/index.js";
import { call, send, WABA } from "./helpers.js";

// Template sends with header and button parameters are checked like Graph: count (132000), format (132012),
// invalid or extra parameters (131009). The accepted body is kept in the call log.
let mock: RunningMockMeta;
let base: string;
const TO = "15551230077";

const COMPONENTS = [
  { type: "HEADER", format: "IMAGE", example: { header_handle: ["https://example.com/a.jpg"] } },
  { type: "BODY", text: "Hi {{1}}, your order is ready." },
  {
    type: "BUTTONS",
    buttons: [
      { type: "URL", text: "Track", url: "https://shop.example/t/{{1}}" },
      { type: "QUICK_REPLY", text: "Stop promotions" },
      { type: "COPY_CODE", example: "SAVE10" },
      { type: "PHONE_NUMBER", text: "Call", phone_number: "+6281100000" },
    ],
  },
];

beforeAll(async () => {
  mock = await startMockMeta({ port: 0, pairBurst: 100 });
  base = mock.url;
  const r = await call(base, "POST", "/_mock/templates", {
    name: "rich_promo",
    language: "en",
    category: "MARKETING",
    status: "APPROVED",
    components: COMPONENTS,
    emit_webhook: false,
  });
  expect(r.status).toBe(200);
});
afterAll(() => mock.close());

const header = { type: "header", parameters: [{ type: "image", image: { link: "https://cdn.example/p.jpg" } }] };
const body = { type: "body", parameters: [{ type: "text", text: "Ana" }] };
const url = { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "A-1" }] };
const code = {
  type: "button",
  sub_type: "copy_code",
  index: "2",
  parameters: [{ type: "coupon_code", coupon_code: "S10" }],
};
const GOOD = [header, body, url, code];

const rich = (components: unknown[]) => ({
  to: TO,
  type: "template",
  template: { name: "rich_promo", language: { code: "en" }, components },
});
const codeOf = async (components: unknown[]) => (await send(base, rich(components))).json.error?.code ?? null;

describe("template header and button parameters", () => {
  it("accepts the exact components and logs the body (include_body)", async () => {
    const r = await send(base, rich(GOOD));
    expect(r.status).toBe(200);
    const log = await call(base, "GET", `/_mock/calls?to=${TO}&include_body=true`);
    const last = log.json.calls.at(-1);
    expect(last).toMatchObject({ template_name: "rich_promo", code: null });
    expect(last.body).toEqual({ messaging_product: "whatsapp", ...rich(GOOD) });
  });

  it("answers 132000 for a missing header or a missing required button", async () => {
    expect(await codeOf([body, url, code])).toBe(132000);
    expect(await codeOf([header, body, code])).toBe(132000);
  });

  it("answers 132012 for a parameter of the wrong format", async () => {
    expect(await codeOf([{ type: "header", parameters: [{ type: "text", text: "x" }] }, body, url, code])).toBe(132012);
    expect(await codeOf([header, body, { ...url, sub_type: "quick_reply" }, code])).toBe(132012);
    expect(await codeOf([header, body, url, { ...code, parameters: [{ type: "text", text: "S10" }] }])).toBe(132012);
  });

  it("answers 131009 for an invalid or extra parameter", async () => {
    const noMedia = { type: "header", parameters: [{ type: "image", image: {} }] };
    expect(await codeOf([noMedia, body, url, code])).toBe(131009);
    const http = { type: "header", parameters: [{ type: "image", image: { link: "http://x.example/a.jpg" } }] };
    expect(await codeOf([http, body, url, code])).toBe(131009);
    expect(await codeOf([...GOOD, { ...url, index: "3" }])).toBe(131009); // phone button takes none
    expect(await codeOf([...GOOD, { ...url, index: "7" }])).toBe(131009); // no such button
  });

  it("fills Meta's fixed body into a created authentication template", async () => {
    const r = await call(base, "POST", `/v25.0/${WABA}/message_templates`, {
      name: "login_code",
      category: "AUTHENTICATION",
      language: "en",
      mock_review: "APPROVED",
      components: [
        { type: "BODY", add_security_recommendation: true },
        { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }] },
      ],
    });
    expect(r.status).toBe(200);
    const t = await call(base, "GET", `/v25.0/${r.json.id}`);
    expect(t.json.components[0]).toEqual({
      type: "BODY",
      add_security_recommendation: true,
      text: "{{1}} is your verification code. For your security, do not share this code.",
    });
  });
});
