// enqueue: send_template accepted → row + audit + publish, through @wa/messaging enqueueOutbound in-process
// (the gateway's path, no delivery) against real Postgres, Redis and NATS; known customers, warm caches,
// a utility template. Throughput and latency under load with 8 calls in flight (p50/p99 of that run);
// sequential latency in the notes. Reference: a bare
// JetStream publish+ack measured in the same rounds (the publish is one step of the path).
import { connectBus, ensureTopology, publish, type Bus } from "@wa/bus";
import { createCompliance } from "@wa/compliance";
import { createDb } from "@wa/db";
import { createMessaging, type OutboundRequest } from "@wa/messaging";
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
import { measure, medianOf, summarize, type Summary } from "./lib/stats.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const TARGET = "≥ 2,000/s, p99 ≤ 10 ms";
const CUSTOMERS = 1000;
const BASE = 628_700_000_000;
const IN_FLIGHT = Number(process.env.BENCH_ENQUEUE_IN_FLIGHT ?? 8); // 8 agents' calls at once
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function concurrent(n: number, inFlight: number, fn: () => Promise<unknown>): Promise<Summary> {
  const samples: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        next += 1;
        const s = performance.now();
        await fn();
        samples.push(performance.now() - s);
      }
    }),
  );
  return summarize(samples, performance.now() - t0);
}

async function run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
  const samples = Math.max(5000, ctx.samples);
  const rounds = Math.max(1, ctx.rounds);
  const tdb = await createTestDatabase();
  const db = createDb(tdb.url, { max: 16, applicationName: "bench-enqueue" });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = redisPrefix();
  const names = busNames();
  let bus: Bus | undefined;
  try {
    bus = await connectBus({ url: TEST_NATS_URL, name: "bench-enqueue" });
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
    await sql`INSERT INTO customers (customer_id, phone, country, timezone) SELECT (${BASE}::bigint + g)::text, (${BASE}::bigint + g)::text, 'ID', 'Asia/Jakarta' FROM generate_series(1, ${CUSTOMERS}) g`.execute(
      db,
    );
    const state = createStateStore({ db, redis, keyPrefix: prefix });
    const compliance = createCompliance({ db, state });
    const messaging = createMessaging({ db, state, compliance, js: bus.js, names, log: silent });
    let i = 0;
    const request = (): OutboundRequest => ({
      to: `+${BASE + 1 + (i++ % CUSTOMERS)}`,
      content: { type: "template", template_name: "order_update", locale: "en", variables: ["Ann", "A-1"] },
    });
    const send = async (): Promise<void> => {
      const r = await messaging.enqueueOutbound(request(), { actor: "agent", tool: "send_template" });
      if (!r.ok || !r.published) throw new Error(`bench: not queued+published: ${JSON.stringify(r)}`);
    };
    for (let c = 0; c < CUSTOMERS; c++)
      await compliance.evaluate({
        customer_id: String(BASE + 1 + c),
        message_type: "template",
        template_name: "order_update",
        variables: ["a", "b"],
      });

    const js = bus.js;
    const refSubject = `${names.NATS_SUBJECT_PREFIX}whatsapp.messages.retry`;
    let k = 0;
    const seq: Summary[] = [];
    const par: Summary[] = [];
    const refs: Summary[] = [];
    for (let r = 0; r < rounds; r++) {
      seq.push(await measure(samples, send, 500));
      par.push(await concurrent(samples * 2, IN_FLIGHT, send));
      refs.push(await measure(samples, () => publish(js, refSubject, "{}", { msgId: `ref-${r}-${k++}` }), 200));
      ctx.log(
        `round ${r + 1}/${rounds}: sequential p50 ${seq[r]!.p50_ms.toFixed(3)} p99 ${seq[r]!.p99_ms.toFixed(3)} ms; ${IN_FLIGHT} in flight ${par[r]!.throughput_per_s.toFixed(0)}/s p99 ${par[r]!.p99_ms.toFixed(2)} ms; JetStream publish p50 ${refs[r]!.p50_ms.toFixed(3)} ms`,
      );
    }
    const s = medianOf(seq);
    const p = medianOf(par);
    const ref = medianOf(refs);
    return {
      rows: [
        {
          name: "enqueue",
          n: s.n + p.n,
          p50_ms: p.p50_ms,
          p99_ms: p.p99_ms,
          throughput_per_s: p.throughput_per_s,
          target: TARGET,
          verdict: p.throughput_per_s >= 2000 && p.p99_ms <= 10 && s.p99_ms <= 10 ? "PASS" : "MISS",
          reference: { name: "JetStream publish+ack", p50_ms: ref.p50_ms, p99_ms: ref.p99_ms },
          notes: `${IN_FLIGHT} calls in flight; sequential p50 ${s.p50_ms.toFixed(3)} ms p99 ${s.p99_ms.toFixed(3)} ms (${(s.p50_ms / ref.p50_ms).toFixed(1)}× publish p50); median of ${rounds} rounds`,
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

export const benchmark = { name: "enqueue", target: TARGET, run };
