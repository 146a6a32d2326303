import { describe, expect, it } from "vitest";
import { envelope, to, useTemplateStack } from "./template-stack.js";

// Issue 16 (rich templates) through a real SDK client: the refusal happens before Meta, the happy path reaches
// `delivered` (mock-meta's status webhooks applied by the webhook processor) with the exact Graph payload.
const { stack, mock, callsTo, deliveredStatus, delivered } = useTemplateStack();

describe("send_template with header and buttons", () => {
  it("delivers an image header and url / quick-reply / copy-code buttons as Meta's exact components", async () => {
    const id = to();
    const sent = await delivered({
      to: id,
      template_name: "rich_update",
      variables: ["Ana"],
      header: { type: "image", link: "https://cdn.example/p.jpg" },
      buttons: [
        { index: 2, type: "copy_code", value: "SAVE10" },
        { index: 0, type: "url", value: "A-1001" },
        { index: 1, type: "quick_reply", value: "not-me-A-1001" },
      ],
    });
    expect(sent.payload).toEqual({
      ...envelope(id, sent.id),
      template: {
        name: "rich_update",
        language: { code: "en" },
        components: [
          { type: "header", parameters: [{ type: "image", image: { link: "https://cdn.example/p.jpg" } }] },
          { type: "body", parameters: [{ type: "text", text: "Ana" }] },
          { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "A-1001" }] },
          {
            type: "button",
            sub_type: "quick_reply",
            index: "1",
            parameters: [{ type: "payload", payload: "not-me-A-1001" }],
          },
          {
            type: "button",
            sub_type: "copy_code",
            index: "2",
            parameters: [{ type: "coupon_code", coupon_code: "SAVE10" }],
          },
        ],
      },
    });
  });

  it("delivers a document header (id, filename), a location header and a named text header", async () => {
    const a = to();
    const doc = await delivered({
      to: a,
      template_name: "doc_notice",
      header: { type: "document", media_id: "4490709327", filename: "invoice.pdf" },
    });
    expect((doc.payload as any).template.components).toEqual([
      { type: "header", parameters: [{ type: "document", document: { id: "4490709327", filename: "invoice.pdf" } }] },
    ]);
    const loc = await delivered({
      to: to(),
      template_name: "visit_us",
      header: { type: "location", latitude: -6.2, longitude: 106.8, name: "Store" },
    });
    expect((loc.payload as any).template.components).toEqual([
      {
        type: "header",
        parameters: [{ type: "location", location: { latitude: -6.2, longitude: 106.8, name: "Store" } }],
      },
    ]);
    const named = await delivered({
      to: to(),
      template_name: "named_header",
      variables: { first_name: "Ana" },
      header: { type: "text", text: "A-1001" },
    });
    expect((named.payload as any).template.components).toEqual([
      { type: "header", parameters: [{ type: "text", text: "A-1001", parameter_name: "order_id" }] },
      { type: "body", parameters: [{ type: "text", parameter_name: "first_name", text: "Ana" }] },
    ]);
  });

  it("refuses parts that do not fit before Meta is called, naming the component", async () => {
    const id = to();
    const ok = { to: id, template_name: "rich_update", variables: ["Ana"] };
    const img = { type: "image", link: "https://cdn.example/p.jpg" };
    const url = { index: 0, type: "url", value: "A-1" };
    const code = { index: 2, type: "copy_code", value: "S1" };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ buttons: [url, code] }, "TEMPLATE_VARIABLES_MISMATCH", /header: expects an image header/],
      [{ header: { type: "video", media_id: "1" }, buttons: [url, code] }, "TEMPLATE_VARIABLES_MISMATCH", /got video/],
      [{ header: img, buttons: [code] }, "TEMPLATE_VARIABLES_MISMATCH", /missing button parameter: button 0/],
      [
        { header: img, buttons: [url, code, { index: 5, type: "url", value: "x" }] },
        "TEMPLATE_VARIABLES_MISMATCH",
        /index 5 is extra/,
      ],
      [{ header: { type: "image", link: "javascript:alert(1)" }, buttons: [url, code] }, "INVALID_ARGUMENT", /https/],
      [
        { header: { type: "image", link: "http://cdn.example/p.jpg" }, buttons: [url, code] },
        "INVALID_ARGUMENT",
        /https link/,
      ],
      [
        { header: { type: "image", media_id: "1", link: "https://a.example/x.jpg" }, buttons: [url, code] },
        "INVALID_ARGUMENT",
        /header: give exactly one of media_id and link/,
      ],
    ];
    for (const [extra, code_, why] of cases) {
      const r = await stack.gw.call("send_template", { ...ok, ...extra });
      expect(r.isError).toBe(true);
      expect(r.structured.reason_code).toBe(code_);
      expect(r.structured.human_explanation).toMatch(why);
      expect(r.structured.suggested_action).toBeTruthy();
    }
    expect(await callsTo(id)).toHaveLength(0);
  });

  it("replays an idempotency key with the same parts and refuses it with other parts", async () => {
    const id = to();
    const args = {
      to: id,
      template_name: "rich_update",
      variables: ["Ana"],
      header: { type: "image", media_id: "77" },
      buttons: [
        { index: 0, type: "url", value: "A-1" },
        { index: 2, type: "copy_code", value: "S1" },
      ],
      idempotency_key: `rich-${id}`,
    };
    const a = await stack.gw.call("send_template", args);
    const b = await stack.gw.call("send_template", { ...args, buttons: args.buttons.toReversed() });
    expect(b.structured).toMatchObject({ message_id: a.structured.message_id, duplicate: true });
    const c = await stack.gw.call("send_template", { ...args, header: { type: "image", media_id: "78" } });
    expect(c.structured.reason_code).toBe("DUPLICATE_REQUEST");
    expect(await deliveredStatus(a.structured.message_id as string)).toBe("delivered");
    expect(await callsTo(id)).toHaveLength(1);
  });
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();

describe("schedule_message and schedule_campaign carry the parts", () => {
  const parts = {
    header: { type: "image", link: "https://cdn.example/p.jpg" },
    buttons: [
      { index: 0, type: "url", value: "A-1" },
      { index: 2, type: "copy_code", value: "S1" },
    ],
  };

  it("stores a scheduled template's header and buttons, and refuses a mismatch now", async () => {
    const r = await stack.gw.call("schedule_message", {
      customer_id: to(),
      message_type: "template",
      content: { type: "template", template_name: "rich_update", variables: ["Ana"], ...parts },
      deliver_at: later(),
    });
    expect(r.isError, r.text).toBe(false);
    const row = await stack.gw.clients.deps.db
      .selectFrom("messages")
      .select("content")
      .where("id", "=", r.structured.message_id as string)
      .executeTakeFirstOrThrow();
    expect(row.content).toMatchObject(parts);
    const bad = await stack.gw.call("schedule_message", {
      customer_id: to(),
      message_type: "template",
      content: { type: "template", template_name: "rich_update", variables: ["Ana"] },
      deliver_at: later(),
    });
    expect(bad.structured.reason_code).toBe("TEMPLATE_VARIABLES_MISMATCH");
  });

  it("keeps a campaign's parts on its row (0012) and refuses parts that do not fit", async () => {
    const base = {
      name: "Rich",
      type: "utility",
      template_name: "rich_update",
      variables: ["friend"],
      deliver_at: later(),
    };
    const r = await stack.gw.call("schedule_campaign", { ...base, ...parts });
    expect(r.isError, r.text).toBe(false);
    const row = await stack.gw.clients.deps.db
      .selectFrom("campaigns")
      .select(["template_header", "template_buttons"])
      .where("id", "=", r.structured.campaign_id as string)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ template_header: parts.header, template_buttons: parts.buttons });
    const bad = await stack.gw.call("schedule_campaign", { ...base, header: parts.header });
    expect(bad.structured).toMatchObject({ reason_code: "TEMPLATE_VARIABLES_MISMATCH" });
    expect(bad.structured.human_explanation).toMatch(/missing button parameter/);
  });
});

const q = (text: string) => ({ type: "quick_reply", text });

describe("create_template with header, footer and buttons", () => {
  it("submits Meta's components and stores them for rule 5", async () => {
    const r = await stack.gw.call("create_template", {
      name: "order_ready_rich",
      category: "UTILITY",
      language: "en",
      body_text: "Hi {{1}}, order ready.",
      examples: ["Ana"],
      header: { format: "text", text: "Order {{1}}", example: "A-1" },
      footer: "Shop Inc.",
      buttons: [
        { type: "quick_reply", text: "Thanks" },
        { type: "url", text: "Track", url: "https://shop.example/t/{{1}}", example: "https://shop.example/t/A-1" },
        { type: "phone_number", text: "Call us", phone_number: "+6281100000" },
      ],
    });
    expect(r.isError, r.text).toBe(false);
    const expected = [
      { type: "HEADER", format: "TEXT", text: "Order {{1}}", example: { header_text: ["A-1"] } },
      { type: "BODY", text: "Hi {{1}}, order ready.", example: { body_text: [["Ana"]] } },
      { type: "FOOTER", text: "Shop Inc." },
      {
        type: "BUTTONS",
        buttons: [
          { type: "QUICK_REPLY", text: "Thanks" },
          { type: "URL", text: "Track", url: "https://shop.example/t/{{1}}", example: ["https://shop.example/t/A-1"] },
          { type: "PHONE_NUMBER", text: "Call us", phone_number: "+6281100000" },
        ],
      },
    ];
    expect((await mock("GET", `/v25.0/${r.structured.meta_id}`)).components).toEqual(expected);
    const row = await stack.gw.clients.deps.db
      .selectFrom("templates")
      .select("components")
      .where("name", "=", "order_ready_rich")
      .executeTakeFirstOrThrow();
    expect(row.components).toEqual(expected);
  });

  it("refuses each of Meta's limits before calling Meta", async () => {
    const body = { category: "MARKETING", language: "en", body_text: "Hi {{1}}!", examples: ["Ana"] };
    const url = { type: "url", text: "Go", url: "https://a.example/" };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ header: { format: "text", text: "x".repeat(61) } }, /header: text must have 1–60/],
      [{ header: { format: "text", text: "{{1}} {{2}}", example: "a" } }, /at most one variable/],
      [{ header: { format: "image", example: "not a link" } }, /image header needs an example/],
      [{ footer: "f".repeat(61) }, /footer: must have 1–60/],
      [{ buttons: Array.from({ length: 11 }, (_, i) => q(`b${i}`)) }, /at most 10, got 11/],
      [{ buttons: [url, url, url] }, /at most 2 URL buttons/],
      [{ buttons: [q("x".repeat(26))] }, /text must have 1–25/],
      [{ buttons: [q("a"), url, q("b")] }, /quick replies must be grouped/],
      [{ body_text: "Hi {{1}} {{3}}!", examples: ["a", "b"] }, /without gaps/],
      [{ body_text: "Hi {{1}}!", examples: undefined }, /needs an example/],
      [{ body_text: undefined }, /body_text is required/],
    ];
    const before = (await mock("GET", "/_mock/templates")).templates?.length;
    for (const [i, [extra, why]] of cases.entries()) {
      const r = await stack.gw.call("create_template", { ...body, name: `limit_${i}`, ...extra });
      expect(r.structured.reason_code, JSON.stringify(extra)).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(why);
    }
    expect((await mock("GET", "/_mock/templates")).templates?.length).toBe(before);
  });

  it("creates an authentication template with a copy-code button and delivers a code through it", async () => {
    const r = await stack.gw.call("create_template", {
      name: "login_code",
      category: "AUTHENTICATION",
      language: "en",
      buttons: [{ type: "otp", text: "Copy code" }],
    });
    expect(r.isError, r.text).toBe(false);
    let status = "";
    for (let i = 0; i < 50 && status !== "APPROVED"; i += 1) {
      await new Promise((res) => setTimeout(res, 100));
      status = String((await stack.gw.call("sync_template_status", { template_name: "login_code" })).structured.status);
    }
    expect(status).toBe("APPROVED");
    const missing = await stack.gw.call("send_template", {
      to: to(),
      template_name: "login_code",
      variables: ["482913"],
    });
    expect(missing.structured.human_explanation).toMatch(/button 0 \(OTP "Copy code"\) expects the one-time code/);
    const id = to();
    const sent = await delivered({
      to: id,
      template_name: "login_code",
      variables: ["482913"],
      buttons: [{ index: 0, type: "copy_code", value: "482913" }],
    });
    expect(sent.payload).toEqual({
      ...envelope(id, sent.id),
      template: {
        name: "login_code",
        language: { code: "en" },
        components: [
          { type: "body", parameters: [{ type: "text", text: "482913" }] },
          { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "482913" }] },
        ],
      },
    });
  });
});

describe("media_link_domains policy on template header links", () => {
  it("refuses a header link off the listed domains (POLICY_RESTRICTION); a listed one and a media_id pass", async () => {
    const db = stack.gw.clients.deps.db;
    await db
      .insertInto("policies")
      .values({
        id: "tpl_links_cdn",
        name: "Links only to our CDN",
        type: "media_link_domains",
        rules: JSON.stringify({ allowed_domains: ["cdn.example"] }),
      })
      .execute();
    stack.gw.clients.deps.compliance.invalidatePolicies();
    try {
      const args = {
        template_name: "rich_update",
        variables: ["Ana"],
        buttons: [
          { index: 0, type: "url", value: "A-1" },
          { index: 2, type: "copy_code", value: "S1" },
        ],
      };
      const off = await stack.gw.call("send_template", {
        ...args,
        to: to(),
        header: { type: "image", link: "https://evil.example.org/p.jpg" },
      });
      expect(off.structured).toMatchObject({
        reason_code: "POLICY_RESTRICTION",
        details: { policy_id: "tpl_links_cdn" },
      });
      for (const header of [
        { type: "image", link: "https://img.cdn.example/p.jpg" },
        { type: "image", media_id: "9" },
      ]) {
        const ok = await stack.gw.call("send_template", { ...args, to: to(), header });
        expect(ok.isError, ok.text).toBe(false);
      }
    } finally {
      await db.deleteFrom("policies").where("id", "=", "tpl_links_cdn").execute();
      stack.gw.clients.deps.compliance.invalidatePolicies();
    }
  });
});
