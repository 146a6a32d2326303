import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REASON_CODES } from "@wa/contract";
import { TOOLS } from "../src/tools/index.js";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;

const HUGE = "x".repeat(200_000);
const UNICODE = "💥\u0000\u202e\uFFFF\uD800 ☃ مرحبا 𝕏";
const BAD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  3.5,
  true,
  "",
  HUGE,
  UNICODE,
  [],
  [null],
  {},
  { nested: { deep: [1] } },
  "+",
  "00000000-0000-4000-8000-000000000000",
];
const codes = new Set<string>(REASON_CODES);

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
});
afterAll(async () => env?.close());

/** Either a success, or a refusal with a known reason code, a short text and no internals. */
function assertWellFormed(r: Awaited<ReturnType<Gateway["call"]>>, what: string): void {
  if (!r.isError) {
    expect(r.raw.structuredContent, what).toBeTypeOf("object");
    return;
  }
  expect(codes.has(String(r.structured.reason_code)), `${what}: ${r.text.slice(0, 200)}`).toBe(true);
  expect(r.structured.human_explanation, what).toBeTypeOf("string");
  expect(r.structured.suggested_action, what).toBeTypeOf("string");
  expect(r.text.length, what).toBeLessThan(2_000);
  expect(r.text, what).not.toMatch(/\bat .+\.(js|ts):\d+/); // no stack traces
}

// Arguments every tool accepts, so a hostile string in one field reaches the code behind it (issue 21).
const CUSTOMER = "+49 151 1234 5678";
const LATER = new Date(Date.now() + 3_600_000).toISOString();
const CAMPAIGN = "00000000-0000-4000-8000-000000000000";
const VALID: Record<string, Record<string, unknown>> = {
  check_compliance: { customer_id: CUSTOMER, message_type: "template", template_name: "order_update", locale: "en" },
  send_message: { to: CUSTOMER, text: "hello", idempotency_key: "fuzz-1" },
  send_template: {
    to: CUSTOMER,
    template_name: "order_update",
    locale: "en",
    variables: ["Ana", "A-1"],
    idempotency_key: "fuzz-2",
  },
  reply_customer: { customer_id: CUSTOMER, message_text: "hello", reply_to_message_id: "wamid.X" },
  send_media: {
    to: CUSTOMER,
    media_type: "document",
    link: "https://cdn.example.com/a.pdf",
    caption: "Invoice",
    filename: "a.pdf",
  },
  send_interactive: {
    to: CUSTOMER,
    kind: "list",
    body: "Pick a slot",
    header: { type: "text", text: "Slots" },
    footer: "Acme",
    button_text: "Open",
    sections: [{ title: "Monday", rows: [{ id: "mon", title: "09:00", description: "Morning" }] }],
  },
  send_location: { to: CUSTOMER, latitude: 1.5, longitude: 2.5, name: "Acme", address: "Main St 1" },
  react_to_message: { message_id: "wamid.X", emoji: "👍" },
  mark_read: { message_id: "wamid.X", typing_indicator: true },
  retry_failed_messages: { message_ids: [CAMPAIGN] },
  explain_error: { code: "131047" },
  sync_template_status: { template_name: "order_update", locale: "en" },
  check_conversation: { customer_id: CUSTOMER },
  check_frequency_cap: { customer_id: CUSTOMER },
  get_customer_context: { customer_id: CUSTOMER },
  get_delivery_status: { message_id: "wamid.X" },
  get_rate_limit: { phone_number_id: "100000000000001" },
  list_conversations: { status_filter: "open" },
  list_templates: { status_filter: "APPROVED", locale_filter: "en" },
  schedule_message: {
    customer_id: CUSTOMER,
    message_type: "service",
    content: { type: "text", text: "later" },
    deliver_at: LATER,
  },
  schedule_campaign: {
    name: "Fuzz sale",
    type: "utility",
    template_name: "order_update",
    variables: { "1": "Ana", "2": "A-1" },
    audience_filter: { include_tags: ["fuzz"], country_codes: ["DE"] },
    deliver_at: LATER,
  },
  pause_campaign: { campaign_id: CAMPAIGN },
  cancel_campaign: { campaign_id: CAMPAIGN, reason: "no longer needed" },
  resume_campaign: { campaign_id: CAMPAIGN },
  get_campaign: { campaign_id: CAMPAIGN },
  get_approval: { approval_id: CAMPAIGN },
  get_account_quality: { phone_number_id: "100000000000001" },
  estimate_cost: { message_type: "marketing", recipient_country: "ID" },
  estimate_pricing: { conversation_type: "utility", recipient_country: "ID" },
  create_template: {
    name: "fuzz_template",
    category: "UTILITY",
    language: "en",
    body_text: "Hi {{1}}",
    examples: ["Ana"],
  },
  sync_webhooks: {},
  archive_chat: { conversation_id: "c-1" },
  update_consent: { customer_id: CUSTOMER, marketing: "granted", source: "signup form" },
  tag_customer: { customer_id: CUSTOMER, add: ["fuzz"] },
  upload_media: { data_base64: "/9j/4AAQSkZJRgABAQ==", mime_type: "image/jpeg", filename: "photo.jpg" },
  get_media: { media_id: "1234567890" },
  list_messages: { customer_id: CUSTOMER, limit: 5, before: "2030-01-01T00:00:00Z" },
  wait_for_messages: { customer_id: CUSTOMER, timeout_secs: 0, limit: 5 },
};

// Tools that may legitimately wait: every fuzz case runs them without the wait.
const NO_WAIT: Record<string, Record<string, unknown>> = { wait_for_messages: { timeout_secs: 0 } };

/** Every path to a string value (keys of free-form records included, as "{key}" markers). */
function stringPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function replaced(
  args: Record<string, unknown>,
  path: Array<string | number>,
  to: (old: string) => string,
): Record<string, unknown> {
  const copy = structuredClone(args);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  node[last] = to(node[last] as string);
  return copy;
}

const TEN_MB = "x".repeat(10_000_000);
const HOSTILE: Array<[string, (old: string) => string]> = [
  ["NUL", (old) => `${old.slice(0, 1)}\u0000${old.slice(1)}`],
  ["lone high surrogate", (old) => `${old}\ud800`],
  ["lone low surrogate", (old) => `\udfff${old}`],
  ["10 MB", () => TEN_MB],
  ["bidi override", (old) => `\u202e${old}\u202c`],
  ["zero-width", (old) => `\u200b${old}\u200d`],
];

describe("hostile strings in every tool's string arguments (issue 21)", () => {
  it("the valid base arguments cover every listed tool", async () => {
    const { tools } = await gw.client.listTools();
    expect(Object.keys(VALID).toSorted()).toEqual(tools.map((t) => t.name).toSorted());
  });

  it.each(Object.keys(VALID))(
    "%s: a structured refusal or a correct result, never UNAVAILABLE; NUL and lone surrogates name the field",
    async (name) => {
      const base = VALID[name] as Record<string, unknown>;
      for (const path of stringPaths(base)) {
        for (const [kind, to] of HOSTILE) {
          const r = await gw.call(name, replaced(base, path, to));
          const what = `${name} ${path.join(".")} ${kind}`;
          assertWellFormed(r, what);
          expect(r.structured.reason_code, `${what}: ${r.text.slice(0, 300)}`).not.toBe("UNAVAILABLE");
          if (kind === "NUL" || kind.startsWith("lone"))
            expect(r.structured.reason_code, what).toBe("INVALID_ARGUMENT");
          if (kind === "10 MB")
            expect(["INVALID_ARGUMENT", "INVALID_PHONE_NUMBER"], what).toContain(r.structured.reason_code);
          if (kind === "NUL" || kind.startsWith("lone") || kind === "10 MB")
            expect(r.structured.human_explanation, what).toContain(String(path[0]));
        }
      }
    },
  );

  it("a NUL or lone surrogate in a free-form key is refused too, naming its place", async () => {
    const r = await gw.call("send_template", { ...VALID.send_template, variables: { "na\u0000me": "Ana" } });
    expect(r.structured).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    expect(r.structured.human_explanation).toMatch(/variables\.na\\u0000me contains a NUL character/);
    expect(Object.values(r.structured).join(" ").includes("\u0000")).toBe(false); // quoted escaped, never raw
  });
});

describe("names people read (issue 22 item 5)", () => {
  it.each([
    ["schedule_campaign", "name"],
    ["update_consent", "source"],
    ["cancel_campaign", "reason"],
  ])(
    "%s refuses a %s with a line break, a control or a bidi character, and accepts plain text and emoji",
    async (tool, field) => {
      const base = VALID[tool] as Record<string, unknown>;
      for (const bad of ["Sale\nnext line", "Sale\u202egnp.exe", "tab\there", "rtl\u2067mark", "bell\u0007"]) {
        const r = await gw.call(tool, { ...base, [field]: bad });
        expect(r.structured.reason_code, JSON.stringify(bad)).toBe("INVALID_ARGUMENT");
        expect(r.structured.human_explanation).toMatch(new RegExp(`${field}: .*one line of visible text`));
      }
      const ok = await gw.call(tool, { ...base, [field]: "  Ramadan sale 🌙 — إعلان  " });
      expect(ok.structured.reason_code).not.toBe("INVALID_ARGUMENT");
    },
  );
});

describe("fuzzed arguments", () => {
  it("every tool answers every malformed argument with a structured result, never a protocol error", async () => {
    const { tools } = await gw.client.listTools();
    expect(tools).toHaveLength(TOOLS.length);
    let calls = 0;
    for (const tool of tools) {
      const props = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
      const cases: Array<Record<string, unknown>> = [
        {},
        { unexpected: 1 },
        Object.fromEntries(props.map((p) => [p, UNICODE])),
        Object.fromEntries(props.map((p) => [p, null])),
      ];
      for (const p of props) for (const v of BAD_VALUES) cases.push({ [p]: v });
      for (const args of cases) {
        const r = await gw.call(tool.name, { ...NO_WAIT[tool.name], ...args });
        assertWellFormed(r, `${tool.name} ${JSON.stringify(args).slice(0, 120)}`);
        calls += 1;
      }
    }
    expect(calls).toBeGreaterThan(500);
    await expect(gw.client.ping()).resolves.toBeDefined();
  });

  it("a required field that is missing is named in the explanation", async () => {
    const r = await gw.call("send_template", { template_name: "order_update" });
    expect(r.structured).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    expect(r.structured.human_explanation).toMatch(/to is required/);
  });

  it("an unknown tool answers NOT_FOUND with structuredContent, and the server keeps serving", async () => {
    const r = await gw.call("no_such_tool", {});
    expect(r.isError).toBe(true);
    expect(r.structured).toMatchObject({ reason_code: "NOT_FOUND" });
    const ok = await gw.call("explain_error", { code: 131047 });
    expect(ok.isError).toBe(false);
  });
});
