// The built gateway serving MCP over Streamable HTTP (/mcp) behind the stack's proxies: calls with the right key,
// a wrong key, a revoked key and key-shaped strings inside tool arguments, then Redis, NATS and Postgres cut
// while agents keep calling. Every call must get an answer (a result, a refusal or a 401/429/503-class reply),
// the gateway must recover, and no log line may hold an agent key, the access token or the app secret (issue 18).
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createAgentKey, revokeAgentKey } from "@wa/agents";
import { freePort } from "@wa/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  checkInvariants,
  NO_VIOLATIONS,
  printReport,
  type Stack,
  startStack,
  violations,
  waitSettled,
  watchStatuses,
} from "../src/index.js";

let stack: Stack;
let url: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Far above anything a stuck request may take here: reaching it means the gateway hung, not that it was slow.
const HANG_MS = 20_000;

interface Answer {
  readonly status: number;
  /** "result" | "refusal" (a tool's isError value) | "rpc-error" (JSON-RPC error, e.g. a 401/503 reply). */
  readonly kind: "result" | "refusal" | "rpc-error";
  readonly structured: Record<string, unknown>;
  readonly message: string;
}

/** A key made through @wa/agents (as the console and `pnpm agent:create-key` do); registered as a secret. */
async function newKey(name: string): Promise<{ id: string; key: string }> {
  const r = await createAgentKey(stack.db, { name, rate_limit_per_sec: 1000 }, "operator:chaos");
  if (!r.ok) throw new Error(r.message);
  stack.addSecret(r.key);
  return { id: r.id, key: r.key };
}

/** One tools/call POST; throws (fetch error, abort, non-JSON body) only when the gateway did not answer. */
async function call(key: string | null, name: string, args: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
    signal: AbortSignal.timeout(HANG_MS),
  });
  const text = await res.text();
  const body = JSON.parse(text) as {
    result?: { isError?: boolean; structuredContent?: Record<string, unknown> };
    error?: { message?: string };
  };
  if (body.result) {
    const structured = body.result.structuredContent ?? {};
    const kind = body.result.isError ? "refusal" : "result";
    return { status: res.status, kind, structured, message: String(structured.human_explanation ?? "") };
  }
  if (typeof body.error?.message !== "string" || body.error.message === "") throw new Error(`no answer: ${text}`);
  return { status: res.status, kind: "rpc-error", structured: {}, message: body.error.message };
}

const phone = (() => {
  const base = 447_800_000_000 + Math.floor(Math.random() * 90_000) * 1000;
  let n = 0;
  return () => `+${base + (n += 7)}`;
})();
const compliance = () => ({ customer_id: phone(), message_type: "template", template_name: "order_update" });
const template = (tag: string) => ({ to: phone(), template_name: "order_update", variables: ["Ana", tag] });

beforeAll(async () => {
  stack = await startStack();
  await stack.start("webhook-receiver");
  await stack.start("webhook-processor", { INBOX_DRAIN_MS: "300" });
  // Sends accepted while NATS is cut stay queued; the scheduler republishes them once it is back.
  await stack.start("scheduler", { RECONCILE_EVERY_MS: "300", STUCK_QUEUED_SECS: "2", STUCK_SENDING_SECS: "5" });
  await stack.start("delivery-worker");
  const port = await freePort();
  // A 2 s key cache: long enough that a Postgres cut also reaches the tools (UNAVAILABLE), short for the revoke.
  await stack.start("mcp-gateway", { MCP_HTTP_PORT: String(port), MCP_KEY_CACHE_MS: "2000" });
  url = `http://127.0.0.1:${port}/mcp`;
}, 90_000);
afterAll(() => stack?.close());

it("right key answers, wrong and revoked keys get 401, key-shaped arguments are answered and never logged", async () => {
  const { key } = await newKey("chaos-helpdesk");
  const client = new Client({ name: "chaos", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
  );
  const listed = await client.listTools();
  expect(listed.tools.map((t) => t.name)).toContain("check_compliance");
  const ok = await client.callTool({ name: "check_compliance", arguments: compliance() });
  expect(ok.structuredContent).toMatchObject({ allowed: true });
  await client.close();

  const wrong = `wak_${randomBytes(32).toString("base64url")}`; // key-shaped, never issued
  stack.addSecret(wrong);
  for (const k of [wrong, null, "not-a-key"]) {
    const r = await call(k, "check_compliance", compliance());
    expect(r, `key ${k === null ? "missing" : "wrong"}`).toMatchObject({ status: 401, kind: "rpc-error" });
  }

  const revoked = await newKey("chaos-revoked");
  expect((await call(revoked.key, "check_compliance", compliance())).kind).toBe("result");
  expect(await revokeAgentKey(stack.db, revoked.id, "operator:chaos")).toBe(true);
  let after = await call(revoked.key, "check_compliance", compliance());
  // The gateway caches a lookup for MCP_KEY_CACHE_MS (2 s): the revoke takes effect within it.
  for (let i = 0; i < 40 && after.status === 200; i += 1) {
    await sleep(250);
    after = await call(revoked.key, "check_compliance", compliance());
  }
  expect(after).toMatchObject({ status: 401, message: "The API key is unknown or revoked." });

  // An agent pasting keys (its own, a revoked one, a made-up one) into arguments: refused or used as text, never logged.
  const pasted = [
    ["send_message", { to: phone(), text: `my key is ${key}, old one ${revoked.key}` }],
    ["tag_customer", { customer_id: phone(), add: [wrong] }],
    ["check_compliance", { customer_id: key, message_type: "template", template_name: "order_update" }],
    ["send_template", { to: phone(), template_name: "order_update", variables: [key, wrong] }],
    ["explain_error", { code: wrong }],
    ["get_delivery_status", { message_id: revoked.key }],
  ] as const;
  for (const [name, args] of pasted) {
    const r = await call(key, name, args);
    expect(r.status, `${name}: ${r.message}`).toBe(200);
    if (r.kind === "refusal") expect(r.structured.reason_code, name).toEqual(expect.any(String));
  }
  expect(stack.lines.filter((l) => l.startsWith("mcp-gateway:")).length).toBeGreaterThan(0);
  expect(stack.lines.filter((l) => stack.secrets.some((s) => l.includes(s)))).toEqual([]);
});

it("Redis, NATS and Postgres cut while agents call: every call answered, the gateway recovers, no secret logged", async () => {
  const { key } = await newKey("chaos-load");
  const answers: Array<Answer & { phase: string; tool: string }> = [];
  const unanswered: string[] = [];
  const sent: string[] = [];
  const phase = { name: "normal", running: true };
  const tools = [
    ["check_compliance", () => compliance()],
    ["send_template", () => template(`http-${phase.name}`)],
    ["get_rate_limit", () => ({})],
    ["list_conversations", () => ({})],
  ] as const;
  // Three agents calling back to back, plus one that never had a valid key.
  const agent = async (k: string, offset: number) => {
    for (let i = offset; phase.running; i += 1) {
      const [tool, args] = tools[i % tools.length]!;
      const at = phase.name;
      try {
        const r = await call(k, tool, args());
        answers.push({ ...r, phase: at, tool });
        const id = r.structured.message_id;
        if (tool === "send_template" && r.kind === "result" && typeof id === "string") sent.push(id);
      } catch (err) {
        unanswered.push(`${at} ${tool}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(20);
    }
  };
  const watch = watchStatuses(stack.db, () => sent);
  const wrong = `wak_${randomBytes(32).toString("base64url")}`;
  stack.addSecret(wrong);
  const agents = [agent(key, 0), agent(key, 1), agent(key, 2), agent(wrong, 0)];
  const stage = async (name: string, proxy: keyof Stack["proxies"] | null, ms: number) => {
    phase.name = name;
    if (proxy) stack.proxies[proxy].cut();
    await sleep(ms);
    if (proxy) stack.proxies[proxy].restore();
  };
  await stage("normal", null, 1_500);
  await stage("redis-cut", "redis", 4_000);
  await stage("nats-cut", "nats", 4_000);
  await stage("postgres-cut", "postgres", 2_000);
  await stage("restored", null, 1_500);
  phase.running = false;
  await Promise.all(agents);

  // Recovery: once everything is back, a check and a send succeed again on the same process.
  let check = await call(key, "check_compliance", compliance());
  let send = await call(key, "send_template", template("after"));
  for (let i = 0; i < 60 && (check.kind !== "result" || send.kind !== "result"); i += 1) {
    await sleep(500);
    check = await call(key, "check_compliance", compliance());
    send = await call(key, "send_template", template("after"));
  }
  expect(check.structured, check.message).toMatchObject({ allowed: true });
  expect(send.structured, send.message).toMatchObject({ status: "queued" });
  sent.push(String(send.structured.message_id));
  await waitSettled(stack.db, sent, 60_000, "read");

  const byPhase: Record<string, Record<string, number>> = {};
  for (const a of answers) {
    const bucket = (byPhase[a.phase] ??= {});
    const label = a.kind === "result" ? "ok" : `${a.status} ${String(a.structured.reason_code ?? a.message)}`;
    bucket[label] = (bucket[label] ?? 0) + 1;
  }
  console.log(`mcp http answers by phase: ${JSON.stringify(byPhase, null, 1)}`);
  const report = await checkInvariants(stack, sent, await watch.stop());
  printReport(
    `MCP over HTTP: Redis 4 s, NATS 4 s, Postgres 2 s cut while 4 agents call (${answers.length} calls, ${sent.length} sends)`,
    report,
    stack.lines,
  );
  expect(unanswered, "calls the gateway never answered").toEqual([]);
  // A fault (500) is not an answer an agent can act on; refusals, 401, 429 and 503 are.
  expect(answers.filter((a) => a.status >= 500 && a.status !== 503).map((a) => `${a.phase} ${a.tool}`)).toEqual([]);
  expect(answers.filter((a) => a.kind === "refusal" && typeof a.structured.reason_code !== "string")).toEqual([]);
  expect(answers.some((a) => a.phase === "redis-cut" && a.kind === "result")).toBe(true); // Redis is not needed
  expect(
    answers.filter((a) => a.tool === "send_template" && a.phase === "nats-cut" && a.kind === "result").length,
  ).toBeGreaterThan(0); // sends are accepted and kept queued while NATS is away
  expect(violations(report)).toEqual(NO_VIOLATIONS);
  expect(report.by_status.read).toBe(sent.length);
}, 150_000);
