// compliance-tool: check_compliance through the built gateway over stdio from an SDK client (benchmarks.md),
// known customer, warm cache. Reference: explain_error over the same pipe (protocol cost, no I/O).
// Register in bench/run.ts: "compliance-tool": () => import("../apps/mcp-gateway/bench/compliance-tool.js").
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { connectBus } from "@wa/bus";
import { createCompliance, loadPolicies } from "@wa/compliance";
import { createDb } from "@wa/db";
import { createStateStore } from "@wa/state";
import { busNames, createTestDatabase, dropStreams, redisPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@wa/testkit";
import { Redis } from "ioredis";
import { type Ctx, medianOf, type Summary, summarize } from "./stats.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const POLICIES = fileURLToPath(new URL("../../../policies.yaml", import.meta.url));
const TARGET = "p50 ≤ 2 ms";
const CUSTOMER = "6281199887766";

async function run(ctx: Ctx) {
  const samples = Math.max(5000, ctx.samples);
  const rounds = Math.max(1, ctx.rounds);
  const tdb = await createTestDatabase();
  const prefix = redisPrefix();
  const names = busNames();
  await seed(tdb.url, prefix);
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
    LOG_LEVEL: "warn",
  };
  const client = new Client({ name: "bench-compliance-tool", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: "ignore" }));
  try {
    const args = { customer_id: "+62 811-9988-7766", message_type: "template", template_name: "order_ready" };
    const first = await client.callTool({ name: "check_compliance", arguments: args });
    if (first.isError || (first.structuredContent as { allowed?: boolean }).allowed !== true)
      throw new Error(`bench setup: ${JSON.stringify(first.content)}`);
    const checks: Summary[] = [];
    const refs: Summary[] = [];
    for (let r = 0; r < rounds; r += 1) {
      checks.push(await measure(samples, () => client.callTool({ name: "check_compliance", arguments: args })));
      refs.push(await measure(samples, () => client.callTool({ name: "explain_error", arguments: { code: 131047 } })));
      ctx.log(
        `round ${r + 1}/${rounds}: check_compliance p50 ${checks[r]?.p50_ms.toFixed(3)} ms, explain_error p50 ${refs[r]?.p50_ms.toFixed(3)} ms`,
      );
    }
    const c = medianOf(checks);
    const x = medianOf(refs);
    return {
      rows: [
        {
          name: "compliance-tool",
          n: c.n,
          p50_ms: c.p50_ms,
          p99_ms: c.p99_ms,
          throughput_per_s: c.throughput_per_s,
          target: TARGET,
          verdict: c.p50_ms <= 2 ? ("PASS" as const) : ("MISS" as const),
          reference: { name: "explain_error over stdio", p50_ms: x.p50_ms, p99_ms: x.p99_ms },
          notes: `median of ${rounds} rounds of ${samples}; sequential calls from one SDK client`,
        },
      ],
    };
  } finally {
    await client.close();
    await tdb.drop();
    const bus = await connectBus({ url: TEST_NATS_URL, name: "bench-cleanup" });
    await dropStreams(bus.jsm, names);
    await bus.close();
  }
}

/** Known customer: opted in, wrote an hour ago; an approved utility template; the repo's policies. */
export async function seed(url: string, prefix: string): Promise<void> {
  const db = createDb(url, { max: 2, applicationName: "bench-compliance-tool" });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await loadPolicies(db, POLICIES);
    await db
      .insertInto("templates")
      .values({ name: "order_ready", locale: "en", category: "utility", status: "APPROVED", components: "[]" })
      .execute();
    const state = createStateStore({ db, redis, keyPrefix: prefix });
    await state.setConsent({ customerId: CUSTOMER }, { marketing: "granted", utility: "granted" }, { source: "bench" });
    await state.recordInbound({ customerId: CUSTOMER }, Date.now() - 3_600_000);
    await createCompliance({ db, state }).evaluate({ customer_id: CUSTOMER, message_type: "service" }); // warms Redis
  } finally {
    await db.destroy();
    await redis.quit();
  }
}

async function measure(n: number, fn: () => Promise<unknown>, warmup = 1000): Promise<Summary> {
  for (let i = 0; i < warmup; i += 1) await fn();
  const ms: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1) {
    const s = performance.now();
    await fn();
    ms.push(performance.now() - s);
  }
  return summarize(ms, performance.now() - t0);
}

export const benchmark = { name: "compliance-tool", target: TARGET, run };

// `pnpm exec tsx apps/mcp-gateway/bench/compliance-tool.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await run({
    samples: Number(process.env.BENCH_SAMPLES ?? 5000),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    log: (l) => process.stderr.write(`  ${l}\n`),
  });
  console.table(
    rows.map(({ reference, ...r }) => ({
      ...r,
      reference: `${reference.name} p50 ${reference.p50_ms.toFixed(3)} p99 ${reference.p99_ms.toFixed(3)}`,
    })),
  );
  process.exit(0);
}
