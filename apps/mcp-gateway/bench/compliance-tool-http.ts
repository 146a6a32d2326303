// compliance-tool-http: check_compliance over Streamable HTTP (/mcp) from 20 concurrent SDK clients against the
// built gateway process; reference: the same call over stdio to the same process, in the same run.
// Register in bench/run.ts: "compliance-tool-http": () => import("../apps/mcp-gateway/bench/compliance-tool-http.js").
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createAgentKey } from "@wa/agents";
import { connectBus } from "@wa/bus";
import { createDb } from "@wa/db";
import {
  busNames,
  createTestDatabase,
  dropStreams,
  freePort,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
} from "@wa/testkit";
import { seed } from "./compliance-tool.js";
import { type Ctx, medianOf, type Summary, summarize } from "./stats.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const TARGET = "p50 ≤ 2 ms, p99 ≤ 10 ms";
const CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 20);
const ARGS = { customer_id: "+62 811-9988-7766", message_type: "template", template_name: "order_ready" };

async function run(ctx: Ctx) {
  const samples = Math.max(5000, ctx.samples);
  const rounds = Math.max(1, ctx.rounds);
  const tdb = await createTestDatabase();
  const prefix = redisPrefix();
  const names = busNames();
  await seed(tdb.url, prefix);
  const key = await benchKey(tdb.url);
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    DATABASE_URL: tdb.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    NATS_URL: TEST_NATS_URL,
    ...names,
    META_API_BASE_URL: "http://127.0.0.1:1",
    META_ACCESS_TOKEN: "bench",
    META_PHONE_NUMBER_ID: "100000000000001",
    META_WABA_ID: "200000000000001",
    MCP_HTTP_PORT: String(port),
    DB_POOL_MAX: "10",
    LOG_LEVEL: "warn",
  };
  const stdio = new Client({ name: "bench-stdio", version: "1.0.0" });
  await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: "ignore" }));
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  // initialize over stdio is answered after /mcp listens (main() starts HTTP first)
  const https = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new Client({ name: "bench-http", version: "1.0.0" });
      await c.connect(
        new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
      );
      return c;
    }),
  );
  try {
    const first = await call(https[0] as Client);
    if (first.isError || (first.structuredContent as { allowed?: boolean }).allowed !== true)
      throw new Error(`bench setup: ${JSON.stringify(first.content)}`);
    const http: Summary[] = [];
    const raw: Summary[] = [];
    const ref: Summary[] = [];
    const post = rawPost(port, key);
    const raws = Array.from({ length: CLIENTS }, () => post);
    for (let r = 0; r < rounds; r += 1) {
      http.push(await concurrently(https, samples, call));
      raw.push(await concurrently(raws, samples, (f) => f()));
      ref.push(await concurrently([stdio], samples, call));
      ctx.log(
        `round ${r + 1}/${rounds}: SDK http ×${CLIENTS} p50 ${http[r]?.p50_ms.toFixed(3)} p99 ${http[r]?.p99_ms.toFixed(3)} ms, ` +
          `raw http ×${CLIENTS} p50 ${raw[r]?.p50_ms.toFixed(3)} p99 ${raw[r]?.p99_ms.toFixed(3)} ms, ` +
          `stdio ×1 p50 ${ref[r]?.p50_ms.toFixed(3)} p99 ${ref[r]?.p99_ms.toFixed(3)} ms`,
      );
    }
    const h = medianOf(http);
    const w = medianOf(raw);
    const s = medianOf(ref);
    const load = loadavg().map((l) => l.toFixed(1));
    return {
      rows: [
        {
          name: "compliance-tool-http",
          n: h.n,
          p50_ms: h.p50_ms,
          p99_ms: h.p99_ms,
          throughput_per_s: h.throughput_per_s,
          target: TARGET,
          verdict: h.p50_ms <= 2 && h.p99_ms <= 10 ? ("PASS" as const) : ("MISS" as const),
          reference: { name: "check_compliance over stdio (same process)", p50_ms: s.p50_ms, p99_ms: s.p99_ms },
          notes: `median of ${rounds} rounds of ${samples}; ${CLIENTS} concurrent SDK clients (StreamableHTTPClientTransport), one key; load average ${load.join(" ")}`,
        },
        {
          name: "compliance-tool-http-raw",
          n: w.n,
          p50_ms: w.p50_ms,
          p99_ms: w.p99_ms,
          throughput_per_s: w.throughput_per_s,
          target: TARGET,
          verdict: w.p50_ms <= 2 && w.p99_ms <= 10 ? ("PASS" as const) : ("MISS" as const),
          reference: { name: "check_compliance over stdio (same process)", p50_ms: s.p50_ms, p99_ms: s.p99_ms },
          notes: `the same tools/call POSTs from ${CLIENTS} concurrent keep-alive node:http clients (server cost without the SDK client's); load average ${load.join(" ")}`,
        },
      ],
    };
  } finally {
    await Promise.allSettled(https.map((c) => c.close()));
    await stdio.close();
    await tdb.drop();
    const bus = await connectBus({ url: TEST_NATS_URL, name: "bench-cleanup" });
    await dropStreams(bus.jsm, names);
    await bus.close();
  }
}

const call = (c: Client) => c.callTool({ name: "check_compliance", arguments: ARGS });

/** A key whose rate never limits the bench (the limiter still runs on every request). */
async function benchKey(url: string): Promise<string> {
  const db = createDb(url, { max: 1, applicationName: "bench-compliance-tool-http" });
  try {
    const r = await createAgentKey(db, { name: "bench", rate_limit_per_sec: 100_000 }, "system");
    if (!r.ok) throw new Error(r.message);
    return r.key;
  } finally {
    await db.destroy();
  }
}

/** A bare JSON-RPC tools/call POST over a keep-alive socket: what the server costs without the SDK client. */
function rawPost(port: number, key: string): () => Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "check_compliance", arguments: ARGS },
  });
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    authorization: `Bearer ${key}`,
    "mcp-protocol-version": "2025-06-18",
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/mcp", method: "POST", agent, headers }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => void (text += c.toString()));
        res.on("end", () =>
          res.statusCode === 200 && text.includes('"allowed":true') ? resolve() : reject(new Error(text.slice(0, 200))),
        );
      });
      req.on("error", reject);
      req.end(body);
    });
}

/** Each client calls sequentially until `n` calls are done in all; per-call latency from every client. */
async function concurrently<C>(clients: C[], n: number, fn: (c: C) => Promise<unknown>): Promise<Summary> {
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < Math.ceil(500 / clients.length); i += 1) await fn(c);
    }),
  );
  const ms: number[] = [];
  let left = n;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (left > 0) {
        left -= 1;
        const s = performance.now();
        await fn(c);
        ms.push(performance.now() - s);
      }
    }),
  );
  return summarize(ms, performance.now() - t0);
}

export const benchmark = { name: "compliance-tool-http", target: TARGET, run };

// `pnpm exec tsx apps/mcp-gateway/bench/compliance-tool-http.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await run({
    samples: Number(process.env.BENCH_SAMPLES ?? 5000),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    log: (l) => process.stderr.write(`  ${l}\n`),
  });
  console.log(JSON.stringify(rows, null, 2));
  process.exit(0);
}
