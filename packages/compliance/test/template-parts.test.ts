import { describe, expect, it } from "vitest";
import {
  decide,
  templateComponents,
  templateDesignProblems,
  type DecisionRequest,
  type TemplateDesign,
} from "../src/index.js";
import { shapeOf } from "../src/template-parts.js";
import { denied, facts, ID_NUMBER, OPTIONS, template } from "./fixtures.js";

// Rule 5 on a template's header and buttons, read from its stored components (issue 16).
const RICH = shapeOf([
  { type: "HEADER", format: "IMAGE", example: { header_handle: ["https://example.com/a.jpg"] } },
  { type: "BODY", text: "Hi {{1}}, your order {{2}} is ready." },
  {
    type: "BUTTONS",
    buttons: [
      { type: "URL", text: "Track", url: "https://shop.example/track/{{1}}" },
      { type: "QUICK_REPLY", text: "Stop promotions" },
      { type: "COPY_CODE", example: "SAVE10" },
      { type: "PHONE_NUMBER", text: "Call us", phone_number: "+6281100000" },
    ],
  },
]);
const rich = facts({ template: { found: true, template: template({ shape: RICH }) } });
const OTP = shapeOf([
  { type: "BODY", text: "{{1}} is your verification code." },
  { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }] },
]);
const otp = facts({
  template: { found: true, template: template({ category: "AUTHENTICATION", parameterCount: 1, shape: OTP }) },
});

const base: DecisionRequest = {
  customer_id: ID_NUMBER,
  message_type: "template",
  template_name: "promo_june",
  variables: ["Ana", "A-1"],
};
const good = {
  ...base,
  header: { type: "image", link: "https://cdn.example/p.jpg" },
  buttons: [
    { index: 0, type: "url", value: "A-1" },
    { index: 2, type: "copy_code", value: "SAVE10" },
  ],
} as const satisfies DecisionRequest;

function mismatch(req: DecisionRequest, f = rich): string {
  const d = denied(decide(f, req, OPTIONS));
  expect(d.reason_code).toBe("TEMPLATE_VARIABLES_MISMATCH");
  return d.human_explanation;
}

describe("rule 5: header and buttons against the stored components", () => {
  it("allows fitting parts and hands them back as they go to Meta", () => {
    const d = decide(rich, good, OPTIONS);
    expect(d.allowed).toBe(true);
    expect(d.template_parts).toEqual({ header: good.header, buttons: good.buttons });
  });

  it("names the component and what it expects", () => {
    expect(mismatch({ ...good, header: undefined })).toMatch(
      /header: expects an image header \(media_id or https link\)/,
    );
    expect(mismatch({ ...good, header: { type: "video", media_id: "1" } })).toMatch(
      /expects an image header.*got video/,
    );
    expect(mismatch({ ...good, buttons: [good.buttons[1]] })).toMatch(
      /missing button parameter: button 0 \(URL "Track"\)/,
    );
    expect(mismatch({ ...good, buttons: [...good.buttons, { index: 4, type: "url", value: "x" }] })).toMatch(
      /index 4 is extra: the template has 4 button\(s\)/,
    );
    expect(mismatch({ ...good, buttons: [...good.buttons, { index: 3, type: "url", value: "x" }] })).toMatch(
      /button 3 \(PHONE_NUMBER "Call us"\) takes no parameter/,
    );
    expect(mismatch({ ...good, buttons: [{ index: 0, type: "quick_reply", value: "x" }, good.buttons[1]] })).toMatch(
      /button 0 .* expects type url, got quick_reply/,
    );
    expect(
      mismatch({ ...good, buttons: [good.buttons[0], { index: 2, type: "copy_code", value: "X".repeat(16) }] }),
    ).toMatch(/at most 15 characters/);
    expect(mismatch({ ...good, variables: ["Ana"] })).toMatch(/body: it has 2 placeholder/);
  });

  it("refuses a header for a template without one (or whose text header has no variable)", () => {
    const plain = facts({ template: { found: true, template: template() } });
    expect(mismatch({ ...base, header: { type: "text", text: "x" } }, plain)).toMatch(/template has no header/);
    const fixed = facts({
      template: {
        found: true,
        template: template({ shape: shapeOf([{ type: "HEADER", format: "TEXT", text: "Hi" }]) }),
      },
    });
    expect(mismatch({ ...base, header: { type: "text", text: "x" } }, fixed)).toMatch(/text header has no variable/);
  });

  it("refuses a text header value that makes the filled-in header longer than Meta's 60 (132005)", () => {
    const shape = shapeOf([{ type: "HEADER", format: "TEXT", text: "Your order {{1}} is ready" }]); // 20 + value
    const f = facts({ template: { found: true, template: template({ shape }) } });
    expect(mismatch({ ...base, header: { type: "text", text: "x".repeat(41) } }, f)).toMatch(
      /header is 61 characters, Meta allows 60 \(error 132005\); shorten the value to 40 characters or fewer/,
    );
    const ok = decide(f, { ...base, header: { type: "text", text: "x".repeat(40) } }, OPTIONS);
    expect(ok.allowed).toBe(true);
  });

  it("gives a named text header its parameter_name; quick-reply payloads are optional", () => {
    const shape = shapeOf([
      { type: "HEADER", format: "TEXT", text: "Order {{order_id}}" },
      { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Yes" }] },
    ]);
    const f = facts({
      template: {
        found: true,
        template: template({ parameterFormat: "named", parameterCount: 0, parameterNames: [], shape }),
      },
    });
    const d = decide(f, { ...base, variables: {}, header: { type: "text", text: "A-1" } }, OPTIONS);
    expect(d.template_parts).toEqual({ header: { type: "text", text: "A-1", parameter_name: "order_id" } });
  });

  it("takes an authentication copy-code button's code as Meta's url sub_type", () => {
    const req = {
      ...base,
      variables: ["123456"],
      buttons: [{ index: 0, type: "copy_code", value: "123456" }],
    } as const;
    const d = decide(otp, req, OPTIONS);
    expect(d.allowed).toBe(true);
    expect(d.template_parts).toEqual({ buttons: [{ index: 0, type: "url", value: "123456" }] });
    expect(mismatch({ ...base, variables: ["123456"] }, otp)).toMatch(
      /button 0 \(OTP "Copy code"\) expects the one-time code/,
    );
  });

  it("does not check parts when no variables are given (check_compliance)", () => {
    expect(decide(rich, { ...base, variables: undefined }, OPTIONS).allowed).toBe(true);
  });
});

const q = (text: string) => ({ type: "quick_reply", text }) as const;

describe("create_template designs (Meta's limits)", () => {
  const body = { category: "MARKETING", body_text: "Hi {{1}}, welcome.", examples: ["Ana"] } as const;
  const problems = (d: Partial<TemplateDesign>) => templateDesignProblems({ ...body, ...d } as TemplateDesign);

  it("accepts a full design and builds Meta's components", () => {
    const d: TemplateDesign = {
      ...body,
      header: { format: "text", text: "Order {{1}}", example: "A-1" },
      footer: "Reply STOP to opt out",
      buttons: [
        { type: "quick_reply", text: "Yes" },
        { type: "quick_reply", text: "No" },
        { type: "url", text: "Track", url: "https://shop.example/t/{{1}}", example: "https://shop.example/t/A-1" },
      ],
    };
    expect(templateDesignProblems(d)).toEqual([]);
    expect(templateComponents(d).submit).toEqual([
      { type: "HEADER", format: "TEXT", text: "Order {{1}}", example: { header_text: ["A-1"] } },
      { type: "BODY", text: "Hi {{1}}, welcome.", example: { body_text: [["Ana"]] } },
      { type: "FOOTER", text: "Reply STOP to opt out" },
      {
        type: "BUTTONS",
        buttons: [
          { type: "QUICK_REPLY", text: "Yes" },
          { type: "QUICK_REPLY", text: "No" },
          { type: "URL", text: "Track", url: "https://shop.example/t/{{1}}", example: ["https://shop.example/t/A-1"] },
        ],
      },
    ]);
  });

  it("names each limit", () => {
    const url = { type: "url", text: "Go", url: "https://a.example/" } as const;
    expect(problems({ header: { format: "text", text: "x".repeat(61) } })).toEqual([
      "header: text must have 1–60 characters",
    ]);
    expect(problems({ header: { format: "text", text: "{{1}} {{2}}", example: "a" } })).toContain(
      "header: text may have at most one variable",
    );
    expect(problems({ header: { format: "text", text: "Hi {{1}}" } })).toEqual([
      "header: the variable needs an example value",
    ]);
    expect(problems({ header: { format: "image", example: "ftp://x" } })[0]).toMatch(/image header needs an example/);
    expect(problems({ footer: "f".repeat(61) })).toEqual(["footer: must have 1–60 characters"]);
    expect(problems({ buttons: Array.from({ length: 11 }, (_, i) => q(`b${i}`)) })).toEqual([
      "buttons: at most 10, got 11",
    ]);
    expect(problems({ buttons: [url, url, url] })).toEqual(["buttons: at most 2 URL buttons"]);
    const phone = { type: "phone_number", text: "Call", phone_number: "+6281100000" } as const;
    expect(problems({ buttons: [phone, phone] })).toEqual(["buttons: at most 1 phone_number button"]);
    expect(problems({ buttons: [q("x".repeat(26))] })).toEqual([
      "buttons[0] (quick_reply): text must have 1–25 characters",
    ]);
    expect(problems({ buttons: [q("a"), url, q("b")] })).toEqual([
      "buttons: quick replies must be grouped together (not split by other buttons)",
    ]);
    expect(problems({ buttons: [{ ...url, url: "javascript:alert(1)" }] })).toEqual([
      "buttons[0] (url): url must be an https URL",
    ]);
    expect(problems({ buttons: [{ ...url, url: "https://a.example/{{1}}" }] })).toEqual([
      "buttons[0] (url): a url with {{1}} needs an example (a full sample URL)",
    ]);
    expect(problems({ body_text: "Hi {{1}} and {{3}}", examples: ["a", "b"] })[0]).toMatch(
      /body: placeholders must be numbered/,
    );
  });

  it("takes an authentication template without body_text, with exactly one otp button", () => {
    const auth: TemplateDesign = { category: "AUTHENTICATION", buttons: [{ type: "otp" }] };
    expect(templateDesignProblems(auth)).toEqual([]);
    const c = templateComponents(auth);
    expect(c.submit).toEqual([
      { type: "BODY", add_security_recommendation: true },
      { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }] },
    ]);
    expect(c.bodyText).toMatch(/^\{\{1\}\} is your verification code/);
    expect(templateDesignProblems({ category: "AUTHENTICATION" })).toEqual([
      'buttons: an authentication template has exactly one {"type":"otp"} (copy-code) button',
    ]);
    expect(templateDesignProblems({ category: "MARKETING", buttons: [{ type: "otp" }] })).toEqual([
      "body_text is required (only authentication templates take Meta's fixed body)",
      "buttons: otp buttons are for AUTHENTICATION only",
    ]);
  });
});
