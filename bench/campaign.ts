// campaign: a 100,000-recipient audience, trigger → every message enqueued (row + publish) by a spawned
// apps/campaign-worker (node dist/main.js). The worker is SIGKILLed halfway and restarted: the run must still
// finish with no duplicate. Reports the achieved rate and the workers' peak RSS (VmHWM from /proc).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connectBus, ensureTopology, publish } from "@wa/bus";
import { campaignTriggerPublisher, scheduleCampaign } from "@wa/campaigns";
import { createDb, type Db } from "@wa/db";
import {
  busNames,
  clearRedisPrefix,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
} from "@wa/testkit";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { profileArgs, stopProcess } from "./lib/app-process.js";
import { measure } from "./lib/stats.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const TARGET = "100k enqueued ≤ 60 s (1M ≤ 300 s), worker RSS ≤ 256 MB, no duplicate after kill -9";
// BENCH_CAMPAIGN_N: one size or a list (the cost-growth table runs 62500,250000,1000000).
const SIZES = (process.env.BENCH_CAMPAIGN_N ?? "100000").split(",").map(Number);
/** Seconds allowed: 60 s per 100k up to 100k (the first target), 300 s for 1M (issue 19's). */
const allowedSecs = (n: number): number => (n <= 100_000 ? 60 : 300 * (n / 1_000_000));
const WORKER = fileURLToPath(new URL("../apps/campaign-worker/dist/main.js", import.meta.url));

function rssPeakMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function seed(db: Db, n: number): Promise<void> {
  await db
    .insertInto("templates")
    .values({
      name: "bench_promo",
      locale: "en",
      category: "marketing",
      status: "APPROVED",
      parameter_count: 1,
      components: "[]",
    })
    .execute();
  // Indonesian numbers, opted in, no policies: every recipient is eligible, so all n are enqueued.
  await sql`INSERT INTO customers (customer_id, phone, country, timezone, marketing_consent, marketing_consent_source, tags)
    SELECT c, c, 'ID', 'Asia/Jakarta', 'granted', 'import', ARRAY['bench']
    FROM (SELECT (628100000000 + g)::text AS c FROM generate_series(1, ${n}) g) s`.execute(db);
  await sql`ANALYZE customers`.execute(db);
}

async function runOne(ctx: BenchContext, n: number): Promise<BenchRow> {
  const tdb = await createTestDatabase();
  const db = createDb(tdb.url, { max: 4, applicationName: "bench-campaign" });
  const names = busNames();
  const bus = await connectBus({ url: TEST_NATS_URL, name: "bench-campaign" });
  const workers: ChildProcess[] = [];
  const prefix = redisPrefix();
  try {
    await ensureTopology(bus.jsm, names);
    await seed(db, n);
    const env = {
      ...process.env,
      ...names,
      DATABASE_URL: tdb.url,
      DB_POOL_MAX: "24",
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      NATS_URL: TEST_NATS_URL,
      META_API_BASE_URL: "http://127.0.0.1:9",
      META_ACCESS_TOKEN: "bench",
      META_PHONE_NUMBER_ID: "100000000000001",
      META_WABA_ID: "200000000000001",
      MESSAGING_LIMIT_TIER: "TIER_UNLIMITED",
      OPS_PORT: "0",
      LOG_LEVEL: "warn",
      CAMPAIGN_ORPHAN_SECS: "2",
    };
    const spawnWorker = (): ChildProcess => {
      // Profiled (BENCH_CPU_PROF), only the worker that finishes writes a profile: the killed one cannot.
      const p = spawn(process.execPath, [...profileArgs(), WORKER], { env, stdio: ["ignore", "ignore", "inherit"] });
      workers.push(p);
      return p;
    };
    let worker = spawnWorker();
    await new Promise((r) => setTimeout(r, 1500)); // boot before the clock starts (cold start is its own benchmark)

    const s = await scheduleCampaign(
      { db },
      {
        name: "bench",
        type: "marketing",
        template_name: "bench_promo",
        variables: ["x"],
        deliver_at: new Date().toISOString(),
      },
    );
    if (!s.ok) throw new Error(`schedule failed: ${s.reason_code}`);
    const t0 = performance.now();
    await campaignTriggerPublisher(bus.js, names)(s.campaign_id, 0);
    let killedAt = -1;
    let peak = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, rssPeakMb(worker.pid));
      const c = await db
        .selectFrom("campaigns")
        .select(["enqueued_count", "fanout_done"])
        .where("id", "=", s.campaign_id)
        .executeTakeFirstOrThrow();
      if (killedAt < 0 && c.enqueued_count >= n / 2) {
        killedAt = c.enqueued_count;
        worker.kill("SIGKILL");
        worker = spawnWorker();
      }
      if (c.fanout_done) break;
      if (performance.now() - t0 > allowedSecs(n) * 2000) throw new Error(`timed out at ${c.enqueued_count} enqueued`);
    }
    const secs = (performance.now() - t0) / 1000;
    peak = Math.max(peak, rssPeakMb(worker.pid));
    const counts = await sql<{
      n: string;
      d: string;
    }>`SELECT count(*) AS n, count(DISTINCT customer_id) AS d FROM messages WHERE campaign_id = ${s.campaign_id}`.execute(
      db,
    );
    const rows = Number(counts.rows[0]?.n ?? 0);
    const dupes = rows - Number(counts.rows[0]?.d ?? 0);
    const stream = await bus.jsm.streams.info(names.DELIVERY_STREAM);
    const ref = await measure(
      2000,
      () =>
        publish(bus.js, `${names.NATS_SUBJECT_PREFIX}whatsapp.messages.retry`, "{}", { msgId: `ref-${Math.random()}` }),
      200,
    );
    const pass = secs <= allowedSecs(n) && peak <= 256 && dupes === 0 && rows === n;
    ctx.log(
      `${rows} rows in ${secs.toFixed(1)} s, killed at ${killedAt}, peak RSS ${peak.toFixed(0)} MB, ${stream.state.messages} published`,
    );
    return {
      name: SIZES.length > 1 ? `campaign-${n}` : "campaign",
      n: rows,
      p50_ms: null,
      p99_ms: null,
      throughput_per_s: rows / secs,
      target: TARGET,
      verdict: pass ? "PASS" : "MISS",
      reference: { name: "JetStream publish+ack", p50_ms: ref.p50_ms, p99_ms: ref.p99_ms },
      notes: `${secs.toFixed(1)} s incl. kill -9 at ${killedAt} + restart (${((secs / rows) * 1e6).toFixed(1)} µs per recipient); peak RSS ${peak.toFixed(0)} MB; duplicates ${dupes}; ${stream.state.messages} outbound published (rest republished by the reconciler); 1 round`,
    };
  } finally {
    await Promise.all(workers.map((w) => stopProcess(w, 10_000)));
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    await clearRedisPrefix(redis, prefix);
    redis.disconnect();
    await dropStreams(bus.jsm, names);
    await bus.close();
    await db.destroy();
    await tdb.drop();
  }
}

async function run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
  const rows: BenchRow[] = [];
  for (const n of SIZES) rows.push(await runOne(ctx, n));
  return { rows };
}

export const benchmark = { name: "campaign", target: TARGET, run };
