// scheduler: 1,000 messages scheduled for the same second, dispatched by the scheduler loop (@wa/messaging
// startScheduler, as apps/scheduler runs it: tick 250 ms, batches of 200, compliance re-run at dispatch).
// Lateness = when the envelope appears on whatsapp.messages.outbound (a plain NATS subscription) − deliver_at.
// Reference: the Go original polled every 30 s; the tick (250 ms) is printed beside it.
import { busSubjects, connectBus, ensureTopology, type Bus } from "@wa/bus";
import { createCompliance } from "@wa/compliance";
import { createDb } from "@wa/db";
import { startScheduler } from "@wa/messaging";
import { createStateStore } from "@wa/state";
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
import { summarize } from "./lib/stats.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const TARGET = "dispatch lateness p99 ≤ 1 s";
const PER_ROUND = Number(process.env.BENCH_SCHEDULER_N ?? 1000);
const ROUNDS = 5; // 5 × 1,000 samples
const BASE = 628_800_000_000;
const TICK_MS = 250;
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
  const tdb = await createTestDatabase();
  const db = createDb(tdb.url, { max: 10, applicationName: "bench-scheduler" });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = redisPrefix();
  const names = busNames();
  let bus: Bus | undefined;
  try {
    bus = await connectBus({ url: TEST_NATS_URL, name: "bench-scheduler" });
    await ensureTopology(bus.jsm, names);
    await db
      .insertInto("templates")
      .values({
        name: "order_update",
        locale: "en",
        category: "utility",
        status: "APPROVED",
        parameter_count: 2,
        components: "[]",
      })
      .execute();
    await sql`INSERT INTO customers (customer_id, phone, country, timezone) SELECT (${BASE}::bigint + g)::text, (${BASE}::bigint + g)::text, 'ID', 'Asia/Jakarta' FROM generate_series(1, ${PER_ROUND}) g`.execute(
      db,
    );
    const state = createStateStore({ db, redis, keyPrefix: prefix });
    const compliance = createCompliance({ db, state });
    const seen = new Map<string, number>();
    const sub = bus.nc.subscribe(busSubjects(names).outbound, {
      callback: (_err, msg) => {
        const id = (JSON.parse(new TextDecoder().decode(msg.data)) as { message_id: string }).message_id;
        if (!seen.has(id)) seen.set(id, Date.now());
      },
    });
    const scheduler = startScheduler({
      db,
      state,
      compliance,
      js: bus.js,
      names,
      log: silent,
      tickMs: TICK_MS,
      batchSize: 200,
      reconcile: { stuckQueuedMs: 10_000, stuckSendingMs: 60_000, stuckRetryingMs: 600_000 },
    });
    const lateness: number[] = [];
    const roundP99: number[] = [];
    try {
      for (let r = 0; r < ROUNDS; r++) {
        // All due in the same second, ~2 s ahead (a whole second boundary), inserted as schedule_message leaves them.
        const due = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
        const ids = (
          await sql<{ id: string }>`
          INSERT INTO messages (customer_id, direction, category, kind, content, template_name, template_locale, status, deliver_at)
          SELECT (${BASE}::bigint + g)::text, 'outbound', 'utility', 'template',
            '{"type":"template","template_name":"order_update","locale":"en","variables":["Ann","A-1"]}'::jsonb, 'order_update', 'en', 'scheduled', ${due}
          FROM generate_series(1, ${PER_ROUND}) g RETURNING id`.execute(db)
        ).rows.map((x) => x.id);
        const until = due.getTime() + 30_000;
        while (ids.some((id) => !seen.has(id)) && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
        const l = ids.map((id) => (seen.get(id) ?? Number.NaN) - due.getTime());
        const missing = l.filter((x) => Number.isNaN(x)).length;
        if (missing) throw new Error(`${missing} messages were never dispatched`);
        const s = summarize(l, 1);
        roundP99.push(s.p99_ms);
        lateness.push(...l);
        ctx.log(
          `round ${r + 1}/${ROUNDS}: lateness p50 ${s.p50_ms.toFixed(0)} ms, p99 ${s.p99_ms.toFixed(0)} ms, max ${Math.max(...l).toFixed(0)} ms`,
        );
      }
    } finally {
      await scheduler.close();
      sub.unsubscribe();
    }
    const all = summarize(lateness, 1);
    const medP99 = roundP99.toSorted((a, b) => a - b)[Math.floor(roundP99.length / 2)] ?? Number.NaN;
    return {
      rows: [
        {
          name: "scheduler",
          n: all.n,
          p50_ms: all.p50_ms,
          p99_ms: medP99,
          throughput_per_s: null,
          target: TARGET,
          verdict: medP99 <= 1000 ? "PASS" : "MISS",
          notes: `median p99 of ${ROUNDS} rounds of ${PER_ROUND} due in the same second (all samples p99 ${all.p99_ms.toFixed(0)} ms); tick ${TICK_MS} ms, wakes at the next deliver_at; reference: the original polled every 30 s`,
        },
      ],
    };
  } finally {
    if (bus) {
      await dropStreams(bus.jsm, names);
      await bus.close();
    }
    await clearRedisPrefix(redis, prefix).catch(() => {});
    redis.disconnect();
    await db.destroy();
    await tdb.drop();
  }
}

export const benchmark = { name: "scheduler", target: TARGET, run };
