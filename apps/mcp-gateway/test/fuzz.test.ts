import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REASON_CODES } from "@wa/observability";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;

const HUGE = "x".repeat(200_000);
const UNICODE = "💥\u0000\u202e\uFFFF\uD800 ☃ مرحبا 𝕏";
const BAD_VALUES: unknown[] = [null, 0, -1, 1e308, 3.5, true, "", HUGE, UNICODE, [], [null], {}, { nested: { deep: [1] } }, "+", "00000000-0000-4000-8000-000000000000"];
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

describe("fuzzed arguments", () => {
  it("every tool answers every malformed argument with a structured result, never a protocol error", async () => {
    const { tools } = await gw.client.listTools();
    expect(tools).toHaveLength(28);
    let calls = 0;
    for (const tool of tools) {
      const props = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
      const cases: Array<Record<string, unknown>> = [{}, { unexpected: 1 }, Object.fromEntries(props.map((p) => [p, UNICODE])), Object.fromEntries(props.map((p) => [p, null]))];
      for (const p of props) for (const v of BAD_VALUES) cases.push({ [p]: v });
      for (const args of cases) {
        const r = await gw.call(tool.name, args);
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
