// cold-start: each app from `node dist/main.js` to ready (its /ready or /health answering 200; for the stdio
// gateway, the MCP initialize handshake done). Reference: a bare `node -e 0` spawn-to-exit in the same run.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { connectBus, ensureTopology } from "@wa/bus";
import {
  busNames,
  createTestDatabase,
  dropStreams,
  freePort,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  waitForHttp,
} from "@wa/testkit";
import { summarize } from "./lib/stats.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const TARGET = "≤ 1 s from node dist/main.js to ready";
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const HTTP_APPS = [
  { name: "mock-meta", entry: "apps/mock-meta/dist/main.js", port: "PORT", path: "/_mock/health" },
  { name: "webhook-receiver", entry: "apps/webhook-receiver/dist/main.js", port: "PORT", path: "/health" },
  { name: "webhook-processor", entry: "apps/webhook-processor/dist/main.js", port: "OPS_PORT", path: "/ready" },
  { name: "delivery-worker", entry: "apps/delivery-worker/dist/main.js", port: "OPS_PORT", path: "/ready" },
  { name: "campaign-worker", entry: "apps/campaign-worker/dist/main.js", port: "OPS_PORT", path: "/ready" },
  { name: "scheduler", entry: "apps/scheduler/dist/main.js", port: "OPS_PORT", path: "/ready" },
] as const;

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

async function nodeBaseline(): Promise<number> {
  const t0 = performance.now();
  await new Promise((resolve) => spawn(process.execPath, ["-e", "0"]).once("exit", resolve));
  return performance.now() - t0;
}

export const benchmark = {
  name: "cold-start",
  target: TARGET,
  async run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
    const database = await createTestDatabase();
    const names = busNames();
    const bus = await connectBus({ url: TEST_NATS_URL, name: "bench-cold-start" });
    await ensureTopology(bus.jsm, names);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      NATS_URL: TEST_NATS_URL,
      REDIS_KEY_PREFIX: redisPrefix(),
      ...names,
      META_API_BASE_URL: "http://127.0.0.1:9",
      META_ACCESS_TOKEN: "bench-token",
      META_APP_SECRET: "bench-secret",
      META_PHONE_NUMBER_ID: "100000000000001",
      META_WABA_ID: "200000000000001",
      WEBHOOK_VERIFY_TOKEN: "bench-verify",
      POLICIES_FILE: `${ROOT}policies.yaml`,
      LOG_LEVEL: "warn",
    };
    const rounds = Math.max(3, ctx.rounds + 2);
    const baseline: number[] = [];
    for (let i = 0; i < rounds; i += 1) baseline.push(await nodeBaseline());
    const base = summarize(baseline, 0);
    const reference = { name: "node -e 0", p50_ms: base.p50_ms, p99_ms: base.p99_ms };
    const rows: BenchRow[] = [];
    try {
      for (const app of HTTP_APPS) {
        const samples: number[] = [];
        for (let i = 0; i < rounds; i += 1) {
          const port = await freePort();
          const t0 = performance.now();
          const child = spawn(process.execPath, [`${ROOT}${app.entry}`], {
            env: { ...env, [app.port]: String(port), OPS_HOST: "127.0.0.1", HOST: "127.0.0.1" },
            stdio: "ignore",
          });
          try {
            await waitForHttp(`http://127.0.0.1:${port}${app.path}`, child, { timeoutMs: 60_000, everyMs: 5 });
            samples.push(performance.now() - t0);
          } finally {
            await stop(child);
          }
        }
        rows.push(row(app.name, samples, reference));
        ctx.log(`${app.name}: p50 ${rows.at(-1)?.p50_ms?.toFixed(0)} ms`);
      }
      const samples: number[] = [];
      for (let i = 0; i < rounds; i += 1) {
        const t0 = performance.now();
        const transport = new StdioClientTransport({
          command: process.execPath,
          args: [`${ROOT}apps/mcp-gateway/dist/main.js`],
          env,
          stderr: "ignore",
        });
        const client = new Client({ name: "bench-cold-start", version: "1.0.0" });
        await client.connect(transport);
        samples.push(performance.now() - t0);
        await client.close();
      }
      rows.push(row("mcp-gateway", samples, reference));
      ctx.log(`mcp-gateway: p50 ${rows.at(-1)?.p50_ms?.toFixed(0)} ms`);
    } finally {
      await dropStreams(bus.jsm, names);
      await bus.close();
      await database.drop();
    }
    return { rows };
  },
};

function row(app: string, samples: number[], reference: BenchRow["reference"]): BenchRow {
  const s = summarize(samples, 0);
  return {
    name: `cold-start ${app}`,
    n: s.n,
    p50_ms: s.p50_ms,
    p99_ms: s.p99_ms,
    throughput_per_s: null,
    target: TARGET,
    verdict: s.p99_ms <= 1000 ? "PASS" : "MISS",
    reference,
    notes: `worst of ${s.n} starts (median ${s.p50_ms.toFixed(0)} ms)`,
  };
}
