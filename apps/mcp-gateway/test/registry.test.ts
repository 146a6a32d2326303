import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../src/tools/index.js";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
});
afterAll(async () => env?.close());

describe("tools/list", () => {
  it("lists every tool with title, description, all four hints and strict JSON Schemas", async () => {
    const { tools } = await gw.client.listTools();
    expect(tools.map((t) => t.name).toSorted()).toEqual(TOOLS.map((t) => t.name).toSorted());
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description?.length, t.name).toBeGreaterThan(40);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof t.annotations?.[hint], `${t.name}.${hint}`).toBe("boolean");
      }
      expect(t.inputSchema.type).toBe("object");
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
      expect(t.outputSchema?.type).toBe("object");
      expect(t.outputSchema?.anyOf).toHaveLength(2);
    }
  });

  it("describes argument types to agents from the strict schema", async () => {
    const { tools } = await gw.client.listTools();
    const explain = tools.find((t) => t.name === "explain_error");
    expect(explain?.inputSchema.required).toEqual(["code"]);
    const list = tools.find((t) => t.name === "list_templates");
    const props = list?.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(props.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 200, default: 50 });
  });
});

// tools.md, the contract: every argument name, and which are required.
const CONTRACT: Record<string, { required: string[]; optional: string[] }> = {
  check_compliance: {
    required: ["customer_id", "message_type"],
    optional: ["template_name", "locale", "from", "channel"],
  },
  send_message: { required: ["to", "text"], optional: ["preview_url", "idempotency_key", "from", "channel"] },
  send_template: {
    required: ["to", "template_name"],
    optional: ["locale", "variables", "header", "buttons", "idempotency_key", "from", "channel"],
  },
  reply_customer: { required: ["customer_id", "message_text"], optional: ["reply_to_message_id", "from", "channel"] },
  retry_failed_messages: { required: ["message_ids"], optional: [] },
  explain_error: { required: ["code"], optional: [] },
  sync_template_status: { required: ["template_name"], optional: ["locale", "from"] },
  check_conversation: { required: ["customer_id"], optional: ["from", "channel"] },
  check_frequency_cap: { required: ["customer_id"], optional: ["from", "channel"] },
  get_customer_context: { required: ["customer_id"], optional: ["from", "channel"] },
  get_delivery_status: { required: ["message_id"], optional: [] },
  get_rate_limit: { required: [], optional: ["phone_number_id", "from", "channel"] },
  list_conversations: { required: [], optional: ["status_filter", "limit", "offset", "from", "channel"] },
  list_templates: {
    required: [],
    optional: ["status_filter", "category_filter", "locale_filter", "from", "limit", "offset"],
  },
  schedule_message: {
    required: ["customer_id", "message_type", "content", "deliver_at"],
    optional: ["from", "channel"],
  },
  schedule_campaign: {
    required: ["name", "type", "template_name", "deliver_at"],
    optional: ["locale", "variables", "header", "buttons", "audience_filter", "channel", "from"],
  },
  pause_campaign: { required: ["campaign_id"], optional: [] },
  cancel_campaign: { required: ["campaign_id"], optional: ["reason"] },
  resume_campaign: { required: ["campaign_id"], optional: [] },
  get_campaign: { required: ["campaign_id"], optional: [] },
  get_approval: { required: ["approval_id"], optional: [] },
  get_account_quality: { required: [], optional: ["phone_number_id", "from"] },
  estimate_cost: { required: ["message_type"], optional: ["recipient_country", "quantity", "inside_service_window"] },
  estimate_pricing: { required: ["conversation_type"], optional: ["recipient_country"] },
  create_template: {
    required: ["name", "category", "language"],
    optional: ["body_text", "examples", "header", "footer", "buttons", "from"],
  },
  sync_webhooks: { required: [], optional: [] },
  archive_chat: { required: ["conversation_id"], optional: [] },
  update_consent: { required: ["customer_id", "source"], optional: ["marketing", "utility", "from"] },
  tag_customer: { required: ["customer_id"], optional: ["add", "remove", "from"] },
  send_media: {
    required: ["to", "media_type"],
    optional: ["media_id", "link", "caption", "filename", "idempotency_key", "from", "channel"],
  },
  send_interactive: {
    required: ["to", "kind", "body"],
    optional: ["header", "footer", "buttons", "button_text", "sections", "cta", "idempotency_key", "from", "channel"],
  },
  send_location: {
    required: ["to", "latitude", "longitude"],
    optional: ["name", "address", "idempotency_key", "from", "channel"],
  },
  react_to_message: { required: ["message_id", "emoji"], optional: ["idempotency_key", "from", "channel"] },
  mark_read: { required: ["message_id"], optional: ["typing_indicator"] },
  upload_media: { required: [], optional: ["data_base64", "mime_type", "filename", "path", "from"] },
  get_media: { required: ["media_id"], optional: ["from"] },
  list_messages: { required: ["customer_id"], optional: ["limit", "before", "from", "channel"] },
  wait_for_messages: { required: [], optional: ["cursor", "customer_id", "timeout_secs", "limit"] },
};

describe("the tools.md contract", () => {
  it("offers exactly the tools of tools.md", async () => {
    const { tools } = await gw.client.listTools();
    expect(tools.map((t) => t.name).toSorted()).toEqual(Object.keys(CONTRACT).toSorted());
  });

  it.each(Object.entries(CONTRACT))(
    "%s lists exactly its arguments, with the required ones marked",
    async (name, want) => {
      const { tools } = await gw.client.listTools();
      const schema = tools.find((t) => t.name === name)?.inputSchema;
      expect(Object.keys(schema?.properties ?? {}).toSorted()).toEqual([...want.required, ...want.optional].toSorted());
      expect([...(schema?.required ?? [])].toSorted()).toEqual([...want.required].toSorted());
    },
  );

  it("marks exactly the read-only tools read-only, and cancel_campaign destructive", async () => {
    const { tools } = await gw.client.listTools();
    const readOnly = tools
      .filter((t) => t.annotations?.readOnlyHint)
      .map((t) => t.name)
      .toSorted();
    expect(readOnly).toEqual([
      "check_compliance",
      "check_conversation",
      "check_frequency_cap",
      "estimate_cost",
      "estimate_pricing",
      "explain_error",
      "get_account_quality",
      "get_approval",
      "get_campaign",
      "get_customer_context",
      "get_delivery_status",
      "get_media",
      "get_rate_limit",
      "list_conversations",
      "list_messages",
      "list_templates",
      "wait_for_messages",
    ]);
    expect(tools.filter((t) => t.annotations?.destructiveHint).map((t) => t.name)).toEqual(["cancel_campaign"]);
  });
});

describe("schema portability", () => {
  it("spells nullable fields as anyOf and free-form objects as additionalProperties: true (single-type dialects)", async () => {
    const { tools } = await gw.client.listTools();
    const offenders: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
      if (typeof node !== "object" || node === null) return;
      const o = node as Record<string, unknown>;
      if (Array.isArray(o.type)) offenders.push(`${path}.type`);
      if (
        typeof o.additionalProperties === "object" &&
        o.additionalProperties !== null &&
        Object.keys(o.additionalProperties).length === 0
      )
        offenders.push(`${path}.additionalProperties`);
      for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
    };
    for (const t of tools) walk({ input: t.inputSchema, output: t.outputSchema }, t.name);
    expect(offenders).toEqual([]);
  });
});

describe("exposure", () => {
  it("DISABLED_TOOLS hides a tool, and calling it answers TOOL_DISABLED", async () => {
    const g = await env.gateway({ DISABLED_TOOLS: "explain_error, create_template" });
    const names = (await g.client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain("explain_error");
    expect(names).not.toContain("create_template");
    expect(names).toContain("estimate_cost");
    const r = await g.call("explain_error", { code: 131047 });
    expect(r.isError).toBe(true);
    expect(r.structured).toMatchObject({ reason_code: "TOOL_DISABLED" });
    expect(r.structured.human_explanation).toMatch(/DISABLED_TOOLS/);
  });

  it("READ_ONLY=true lists only read-only tools; others answer TOOL_DISABLED", async () => {
    const g = await env.gateway({ READ_ONLY: "true" });
    const { tools } = await g.client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    const r = await g.call("create_template", { name: "x", category: "UTILITY", language: "en", body_text: "hi" });
    expect(r.structured).toMatchObject({ reason_code: "TOOL_DISABLED" });
    expect(r.structured.human_explanation).toMatch(/READ_ONLY/);
  });
});

describe("refusal rendering", () => {
  it("a bad argument is isError with structuredContent and a short text, never a protocol error", async () => {
    const r = await gw.call("explain_error", { code: "not-a-number" });
    expect(r.isError).toBe(true);
    expect(Object.keys(r.structured).toSorted()).toEqual(["human_explanation", "reason_code", "suggested_action"]);
    expect(r.structured.reason_code).toBe("INVALID_ARGUMENT");
    expect(r.text).toMatch(/^INVALID_ARGUMENT: /);
  });

  it("unknown arguments are named, so typos do not pass silently", async () => {
    const r = await gw.call("estimate_cost", { message_type: "marketing", recipient_countri: "ID" });
    expect(r.structured.reason_code).toBe("INVALID_ARGUMENT");
    expect(r.structured.human_explanation).toMatch(/recipient_countri/);
  });
});

describe("SDK surface (issue 13)", () => {
  it("uses only the SDK's public entry points and one server API (the low-level Server, no McpServer)", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const src = new URL("../src/", import.meta.url);
    const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith(".ts"));
    const imports = new Set<string>();
    let mcpServer = false;
    for (const f of files) {
      const text = await readFile(new URL(f, src), "utf8");
      for (const m of text.matchAll(/from "(@modelcontextprotocol\/sdk[^"]*)"/g)) imports.add(m[1] as string);
      if (/import[^;]*\bMcpServer\b/.test(text)) mcpServer = true;
    }
    const PUBLIC = [
      "@modelcontextprotocol/sdk/server/index.js",
      "@modelcontextprotocol/sdk/server/stdio.js",
      "@modelcontextprotocol/sdk/server/streamableHttp.js",
      "@modelcontextprotocol/sdk/types.js",
      "@modelcontextprotocol/sdk/validation/ajv",
    ];
    expect([...imports].filter((i) => !PUBLIC.includes(i))).toEqual([]);
    expect(mcpServer).toBe(false);
  });
});
