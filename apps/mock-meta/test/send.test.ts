import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockMeta, type RunningMockMeta } from "../src/index.js";
import { PHONE, call, send, template, text } from "./helpers.js";

let mock: RunningMockMeta;
let base: string;

beforeAll(async () => {
  mock = await startMockMeta({ port: 0, seed: 7 });
  base = mock.url;
});
afterAll(() => mock.close());
beforeEach(() => call(base, "POST", "/_mock/reset"));

const named = (names: string[]) => ({
  to: "15551234568",
  type: "template",
  template: {
    name: "shipping_named",
    language: { code: "en" },
    components: [{ type: "body", parameters: names.map((n) => ({ type: "text", parameter_name: n, text: "v" })) }],
  },
});

describe("POST /{version}/{phone}/messages", () => {
  it("rejects a missing or wrong bearer token with 401 / code 190", async () => {
    for (const token of [null, "nope"]) {
      const r = await send(base, template("+1 (555) 123-4567"), token);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe(190);
      expect(r.json.error.type).toBe("OAuthException");
      expect(r.json.error.fbtrace_id).toMatch(/^\w+$/);
    }
  });

  it("accepts a template with the Meta success shape under any version prefix", async () => {
    const r = await call(base, "POST", `/v21.0/${PHONE}/messages`, {
      messaging_product: "whatsapp",
      ...template("+1 (555) 123-4567"),
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: "+1 (555) 123-4567", wa_id: "15551234567" }],
      messages: [{ id: expect.stringMatching(/^wamid\./) }],
    });
  });

  it("answers a BSUID recipient with an empty wa_id and the user_id", async () => {
    const r = await send(base, template("US.13491208655302741918"));
    expect(r.json.contacts).toEqual([
      { input: "US.13491208655302741918", wa_id: "", user_id: "US.13491208655302741918" },
    ]);
    const auth = await send(base, template("US.13491208655302741918", "otp_code", ["123456"]));
    expect(auth.json.error.code).toBe(131062);
  });

  it("rejects an unknown phone number id with code 100 subcode 33", async () => {
    const r = await call(base, "POST", "/v25.0/999/messages", {
      messaging_product: "whatsapp",
      ...template("15551234567"),
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 100, error_subcode: 33, type: "GraphMethodException" });
  });

  it("validates the envelope like Graph", async () => {
    const noProduct = await call(base, "POST", `/v25.0/${PHONE}/messages`, template("15551234567"));
    expect(noProduct.json.error).toMatchObject({
      code: 100,
      message: "(#100) The parameter messaging_product is required.",
    });
    expect((await send(base, { type: "text", text: { body: "x" } })).json.error.code).toBe(100);
    expect((await send(base, { to: "not a number!", type: "text", text: { body: "x" } })).json.error.code).toBe(131009);
    expect((await send(base, { to: "15551234567", type: "text", text: {} })).json.error.message).toContain(
      "text['body']",
    );
    expect((await send(base, { to: "15551234567", type: "hologram", hologram: {} })).json.error.code).toBe(131051);
    const missingName = await send(base, {
      to: "15551234567",
      type: "template",
      template: { language: { code: "en" } },
    });
    expect(missingName.json.error.message).toContain("template['name']");
  });

  it("limits text.body to 4096 characters", async () => {
    await call(base, "POST", "/_mock/inbound", { from: "15551234567" });
    const long = await send(base, text("15551234567", "x".repeat(4097)));
    expect(long.json.error).toMatchObject({ code: 100 });
    expect(long.json.error.error_data.details).toContain("4096");
    expect((await send(base, text("15551234567", "x".repeat(4096)))).status).toBe(200);
  });

  it("refuses free-form text outside the 24 h window (131047) and accepts it after an inbound message", async () => {
    const before = await send(base, text("15557654321"));
    expect(before.status).toBe(400);
    expect(before.json.error).toMatchObject({ code: 131047, message: "(#131047) Re-engagement message" });
    expect(before.json.error.error_data.messaging_product).toBe("whatsapp");
    const old = Math.floor(Date.now() / 1000) - 25 * 3600;
    await call(base, "POST", "/_mock/inbound", { from: "+1 555 765 4321", timestamp: old });
    expect((await send(base, text("15557654321"))).json.error.code).toBe(131047);
    await call(base, "POST", "/_mock/inbound", { from: "+1 555 765 4321", text: "hi" });
    expect((await send(base, text("+15557654321"))).status).toBe(200);
  });

  it("answers 132001 for a missing, unapproved or wrong-language template", async () => {
    for (const [name, lang] of [
      ["no_such_template", "en"],
      ["new_arrivals", "en"],
      ["order_update", "fr"],
    ] as const) {
      const r = await send(base, template("15551234567", name, ["x"], lang));
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe(132001);
    }
    expect((await send(base, template("15551234567", "flash_sale", ["x"]))).json.error.code).toBe(132015);
  });

  it("answers 132000 when the parameters do not match the template's placeholders", async () => {
    expect((await send(base, template("15551234567", "order_update", ["only one"]))).json.error.code).toBe(132000);
    expect((await send(base, template("15551234567", "order_update", ["a", "b", "c"]))).json.error.code).toBe(132000);
    expect((await send(base, named(["first_name", "nope"]))).json.error.code).toBe(132000);
    expect((await send(base, named(["order_id", "first_name"]))).status).toBe(200);
  });

  it("marks an inbound message as read", async () => {
    const r = await send(base, { status: "read", message_id: "wamid.x" });
    expect(r.json).toEqual({ success: true });
    const typing = await send(base, { status: "read", message_id: "wamid.x", typing_indicator: { type: "text" } });
    expect(typing.json).toEqual({ success: true });
    const bad = await send(base, { status: "read", message_id: "wamid.x", typing_indicator: { type: "audio" } });
    expect(bad.json.error.code).toBe(100);
  });
});

const buttons = (titles: string[]) => ({
  type: "button",
  body: { text: "Pick" },
  action: { buttons: titles.map((t, i) => ({ type: "reply", reply: { id: `b${i}`, title: t } })) },
});
const list = (rows: number, extra: Record<string, unknown> = {}) => ({
  type: "list",
  body: { text: "Pick" },
  action: {
    button: "Open",
    sections: [{ title: "S", rows: Array.from({ length: rows }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) }],
  },
  ...extra,
});

describe("rich messages (media, interactive, location, reaction)", () => {
  const to = "15551230000";
  const rich = (type: string, obj: unknown) => ({ to, type, [type]: obj });

  it("accepts well-formed payloads inside the window and records each body in the call log", async () => {
    await call(base, "POST", "/_mock/inbound", { from: to });
    await call(base, "POST", "/_mock/config", { pair_burst: 100 }); // six sends to one recipient at once
    const ok = [
      rich("image", { link: "https://cdn.example.com/a.jpg", caption: "c" }),
      rich("document", { id: "123", filename: "a.pdf" }),
      rich("interactive", buttons(["Yes", "No"])),
      rich("interactive", list(10)),
      rich("location", { latitude: 1.5, longitude: 2.5, name: "Here" }),
      rich("reaction", { message_id: "wamid.x", emoji: "👍" }),
    ];
    for (const body of ok) expect((await send(base, body)).status, JSON.stringify(body)).toBe(200);
    const log = await call(base, "GET", `/_mock/calls?to=${to}&include_body=true`);
    expect(log.json.calls.map((c: { body: { type: string } }) => c.body.type)).toEqual([
      "image",
      "document",
      "interactive",
      "interactive",
      "location",
      "reaction",
    ]);
    const plain = await call(base, "GET", `/_mock/calls?to=${to}`);
    expect(plain.json.calls[0]).not.toHaveProperty("body");
  });

  it("answers Graph's errors for payloads over Meta's limits", async () => {
    await call(base, "POST", "/_mock/inbound", { from: to });
    const cases: [object, number, RegExp][] = [
      [rich("interactive", buttons(["a", "b", "c", "d"])), 131009, /Number of buttons invalid/],
      [rich("interactive", buttons(["x".repeat(21)])), 131009, /Button title length invalid.*20/],
      [rich("interactive", list(11)), 131009, /Total row count exceed max allowed count: 10/],
      [rich("interactive", list(1, { footer: { text: "f".repeat(61) } })), 131009, /Footer text.*60/],
      [rich("audio", { id: "1", caption: "no" }), 131009, /caption/],
      [rich("image", { link: "http://cdn.example.com/a.jpg" }), 131009, /https/],
      [rich("image", {}), 131009, /either 'id' or 'link'/],
      [rich("location", { latitude: 95, longitude: 0 }), 131009, /latitude/],
      [rich("reaction", { message_id: "wamid.x", emoji: "ok" }), 131009, /emoji/],
    ];
    for (const [body, code, details] of cases) {
      const r = await send(base, body);
      expect(r.json.error.code, JSON.stringify(body)).toBe(code);
      expect(r.json.error.error_data.details).toMatch(details);
    }
  });

  it("refuses rich messages outside the window (131047)", async () => {
    const r = await send(base, rich("image", { id: "1" }));
    expect(r.json.error.code).toBe(131047);
  });
});
