import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { connectBus, ensureTopology } from "@wa/bus";
import { loadConfig, mcpGatewayEnv } from "@wa/config";
import { createDb, ensureDatabase } from "@wa/db";
import type { DeliveryWorker } from "@wa/messaging";
import { createLogger } from "@wa/observability";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients, type Clients } from "../src/clients.js";
import { TOOLS } from "../src/tools/index.js";
import { freePort } from "@wa/testkit";
import { setupEnv, startDelivery, type Env } from "./harness.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

let env: Env;
let worker: Clients;
let delivery: DeliveryWorker;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`build the gateway first: ${MAIN} is missing`);
  env = await setupEnv();
  // The delivery worker runs in this process, over the same real services the spawned gateway uses.
  const cfg = loadConfig(mcpGatewayEnv, env.base);
  const bus = await connectBus({ url: cfg.NATS_URL, name: "stdio-test-setup" });
  await ensureTopology(bus.jsm, cfg);
  await bus.close();
  worker = await createClients(cfg, createLogger({ service: "delivery-test", level: "silent", destination: 2 }));
  await worker.busReady;
  delivery = startDelivery(worker);
});
afterAll(async () => {
  await delivery?.close();
  for (const c of worker?.closers.toReversed() ?? []) await c.close();
  await env?.close();
});

function childEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", ...env.base, LOG_LEVEL: "info", ...overrides };
}

describe("the built gateway over stdio", () => {
  it("lists every tool and takes check_compliance → send_template → get_delivery_status to sent", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MAIN],
      env: childEnv(),
      stderr: "pipe",
    });
    const protocolErrors: Error[] = [];
    // The SDK transport has a callback property, not an EventTarget; a non-JSON line on stdout lands here.
    // oxlint-disable-next-line unicorn/prefer-add-event-listener
    transport.onerror = (err) => protocolErrors.push(err);
    const client = new Client({ name: "stdio-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(TOOLS.length);
      const call = async (name: string, args: Record<string, unknown>) =>
        ((await client.callTool({ name, arguments: args })) as CallToolResult).structuredContent as Record<
          string,
          unknown
        >;

      expect(
        await call("check_compliance", {
          customer_id: "+1 415 555 0142",
          message_type: "template",
          template_name: "order_update",
        }),
      ).toMatchObject({ allowed: true });
      const sent = await call("send_template", {
        to: "+1 415 555 0142",
        template_name: "order_update",
        variables: ["Ana", "A-1001"],
      });
      expect(sent).toMatchObject({ status: "queued", category: "utility" });
      let status = "";
      for (let i = 0; i < 100 && !["sent", "delivered", "read"].includes(status); i += 1) {
        status = String((await call("get_delivery_status", { message_id: sent.message_id })).status);
        if (status === "failed") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe("sent");
      const final = await call("get_delivery_status", { message_id: sent.message_id });
      expect(String(final.wamid)).toMatch(/^wamid\./);
    } finally {
      await client.close();
    }
    expect(protocolErrors).toEqual([]);
  });

  it("writes only JSON-RPC to stdout (logs go to stderr) and exits 0 when stdin closes", async () => {
    const child = spawn(process.execPath, [MAIN], { env: childEnv({ LOG_LEVEL: "debug" }) });
    const out = collect(child);
    const send = (msg: object) => child.stdin.write(`${JSON.stringify(msg)}\n`);
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    send({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "explain_error", arguments: { code: "oops" } },
    });
    await until(() => out.stdout.split("\n").filter(Boolean).length >= 3);
    child.stdin.end();
    const code = await exited(child);
    const lines = out.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
    expect(JSON.parse(lines[2] ?? "{}").result.structuredContent.reason_code).toBe("INVALID_ARGUMENT");
    expect(out.stderr).toMatch(/"msg":"ready on stdio"/);
    expect(out.stderr).not.toMatch(/mock-token/); // secrets are redacted in the startup log
    expect(code).toBe(0);
  });

  it("prints config errors to stderr and exits 1", async () => {
    const child = spawn(process.execPath, [MAIN], { env: childEnv({ DATABASE_URL: "not a url", READ_ONLY: "maybe" }) });
    const out = collect(child);
    expect(await exited(child)).toBe(1);
    expect(out.stderr).toMatch(/invalid configuration/);
    expect(out.stderr).toMatch(/DATABASE_URL/);
    expect(out.stdout).toBe("");
  });

  it("refuses a broken RATE_CARD_FILE at start, naming the problem, and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-rate-card-"));
    try {
      const bad = join(dir, "rates.yaml");
      writeFileSync(bad, 'currency: USD\npricing_model: PMP\nrules: {}\nrates: [{ country: "Indonesia" }]\n');
      const child = spawn(process.execPath, [MAIN], { env: childEnv({ RATE_CARD_FILE: bad }) });
      const out = collect(child);
      expect(await exited(child)).toBe(1);
      expect(out.stderr).toMatch(/rate card is invalid/);
      expect(out.stderr).toMatch(/rates\.yaml is invalid/);
      expect(out.stderr).toMatch(/pmp_start/);
      expect(out.stdout).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads POLICIES_FILE at start (then exits 0 on SIGTERM), and refuses a malformed one, naming the policy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-policies-"));
    try {
      const bad = join(dir, "bad.yaml");
      writeFileSync(
        bad,
        'policies:\n  - id: broken_quiet\n    type: time_restriction\n    rules: { deny_after: "25:99" }\n',
      );
      const child = spawn(process.execPath, [MAIN], { env: childEnv({ POLICIES_FILE: bad }) });
      const out = collect(child);
      expect(await exited(child)).toBe(1);
      expect(out.stderr).toMatch(/broken_quiet/);
      const good = join(dir, "good.yaml");
      writeFileSync(
        good,
        "policies:\n  - id: no_promo_vip\n    type: segment_exclusion\n    message_type: marketing\n    rules: { exclude_tag: vip }\n",
      );
      const ok = spawn(process.execPath, [MAIN], { env: childEnv({ POLICIES_FILE: good }) });
      const okOut = collect(ok);
      await until(() => okOut.stderr.includes("ready on stdio"));
      ok.kill("SIGTERM");
      expect(await exited(ok)).toBe(0);
      expect(okOut.stdout).toBe("");
      const row = await worker.deps.db
        .selectFrom("policies")
        .selectAll()
        .where("id", "=", "no_promo_vip")
        .executeTakeFirst();
      expect(row).toMatchObject({ type: "segment_exclusion", enabled: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start on a database whose migrations have not run", async () => {
    const url = new URL(env.base.DATABASE_URL ?? "");
    url.pathname = `/wa_t_${Date.now().toString(36)}_gwempty`;
    await ensureDatabase(url.toString());
    try {
      const child = spawn(process.execPath, [MAIN], { env: childEnv({ DATABASE_URL: url.toString() }) });
      const out = collect(child);
      expect(await exited(child)).toBe(1);
      expect(out.stderr).toMatch(/pnpm migrate/);
    } finally {
      const admin = new URL(url);
      admin.pathname = "/postgres";
      const db = createDb(admin.toString());
      await sql.raw(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`).execute(db);
      await db.destroy();
    }
  });
});

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

/** A raw JSON-RPC session with a spawned gateway: send lines, wait for the answer with an id. */
function rawSession(child: ChildProcessWithoutNullStreams, out: { stdout: string }) {
  child.stdin.on("error", () => {}); // EPIPE once the gateway has ended on purpose
  const send = (msg: object): boolean => child.stdin.write(`${JSON.stringify(msg)}\n`);
  const answer = async (id: number): Promise<Record<string, any>> => {
    let found: Record<string, any> | undefined;
    await until(() => {
      found = out.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>)
        .find((m) => m.id === id);
      return found !== undefined;
    }, 20_000);
    return found as Record<string, any>;
  };
  send(INIT);
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return { send, answer };
}

describe("start-up and the end of a session (issue 14 item 13, issue 22 item 2)", () => {
  it.each([
    [
      "a database that does not exist",
      (u: URL) => void (u.pathname = "/wa_t_no_such_database"),
      'database "wa_t_no_such_database" does not exist (3D000)',
    ],
    [
      "a role that does not exist",
      (u: URL) => void (u.username = "wa_t_no_such_role"),
      'role "wa_t_no_such_role" does not exist (28000)',
    ],
  ])("fails the start on %s, with the cause in one line, exit 1", async (_what, change, cause) => {
    const url = new URL(env.base.DATABASE_URL ?? "");
    change(url);
    const child = spawn(process.execPath, [MAIN], { env: childEnv({ DATABASE_URL: url.toString() }) });
    const out = collect(child);
    expect(await exited(child)).toBe(1);
    const fatal = out.stderr
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: string; msg: string })
      .filter((l) => l.level === "fatal");
    expect(fatal.map((l) => l.msg)).toEqual([
      `cannot start: postgres refused DATABASE_URL: ${cause}; fix DATABASE_URL (environment or .env)`,
    ]);
    expect(out.stderr).not.toMatch(/ready on stdio/);
    expect(out.stdout).toBe("");
  });

  it("reads .env from its working directory for what the client's environment does not set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-dotenv-"));
    try {
      const { META_ACCESS_TOKEN: _t, META_PHONE_NUMBER_ID: phone, META_WABA_ID: waba, ...rest } = childEnv();
      writeFileSync(
        join(dir, ".env"),
        `META_ACCESS_TOKEN=mock-token\nMETA_PHONE_NUMBER_ID=${phone}\nMETA_WABA_ID=${waba}\nLOG_LEVEL=debug\n`,
      );
      const child = spawn(process.execPath, [MAIN], { env: { ...rest, LOG_LEVEL: "info" }, cwd: dir });
      const out = collect(child);
      await until(() => out.stderr.includes("ready on stdio"));
      expect(out.stderr).toContain(JSON.stringify(join(dir, ".env")));
      expect(out.stderr).not.toMatch(/"level":20/); // LOG_LEVEL from the environment wins over .env
      child.stdin.end();
      expect(await exited(child)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a request that fits the transport, and ends (exit 1, logged) when a message over 10 MiB closes it", async () => {
    const child = spawn(process.execPath, [MAIN], { env: childEnv() });
    const out = collect(child);
    const rpc = rawSession(child, out);
    await rpc.answer(1);
    rpc.send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "send_message", arguments: { to: "+4915112345678", text: "x".repeat(9_500_000) } },
    });
    const big = await rpc.answer(2);
    expect(big.result.isError).toBe(true);
    expect(big.result.structuredContent.reason_code).toBe("INVALID_ARGUMENT");
    expect(big.result.structuredContent.human_explanation).toMatch(/text/);
    rpc.send({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "send_message", arguments: { to: "+4915112345678", text: "x".repeat(11 * 1024 * 1024) } },
    });
    expect(await exited(child)).toBe(1);
    expect(out.stderr).toMatch(
      /"msg":"stdio transport closed \(ReadBuffer exceeded maximum size of 10485760 bytes\); exiting"/,
    );
  });

  it("counts its compliance decisions and serves them on OPS_PORT (issue 14 item 14)", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], { env: childEnv({ OPS_PORT: String(port), OPS_HOST: "127.0.0.1" }) });
    const out = collect(child);
    try {
      const rpc = rawSession(child, out);
      await rpc.answer(1);
      // Marketing to a customer who never opted in: a denial (NO_OPT_IN), as agents meet them.
      rpc.send({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "check_compliance",
          arguments: { customer_id: "+1 415 555 0199", message_type: "marketing", template_name: "welcome_offer" },
        },
      });
      expect((await rpc.answer(2)).result.structuredContent.allowed).toBe(false);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/wa_compliance_decisions_total\{[^}]*result="denied"[^}]*service="mcp-gateway"[^}]*\} 1/);
    } finally {
      child.kill("SIGTERM");
      await exited(child);
    }
  });
});

function collect(child: ChildProcessWithoutNullStreams): { stdout: string; stderr: string } {
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (b: Buffer) => (out.stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out.stderr += b.toString()));
  return out;
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function until(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out waiting for the gateway");
    await new Promise((r) => setTimeout(r, 20));
  }
}
