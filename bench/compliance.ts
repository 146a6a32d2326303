// compliance: the check_compliance decision for a known customer with a warm cache, in-process,
// against real Redis and Postgres; a bare Redis GET is measured in the same rounds as the reference.
import { fileURLToPath } from "node:url";
import { createCompliance, loadPolicies } from "@wa/compliance";
import { createDb } from "@wa/db";
import { createStateStore, reserveFrequencySlot } from "@wa/state";
import { clearRedisPrefix, createTestDatabase, redisPrefix, TEST_REDIS_URL } from "@wa/testkit";
import { Redis } from "ioredis";
import { measure, medianOf, type Summary } from "./lib/stats.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const TARGET = "p50 ≤ 0.5 ms, p99 ≤ 2 ms, ≤ 4× Redis GET p50";
const POLICIES = fileURLToPath(new URL("../policies.yaml", import.meta.url));
const CUSTOMER = "6281199887766";
const H = 60 * 60 * 1000;

async function run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
  const samples = Math.max(5000, ctx.samples);
  const rounds = Math.max(1, ctx.rounds ?? 3);
  // Business time runs from noon in Jakarta, so the default quiet hours never deny: the full allowed path is timed.
  const start = Date.now();
  const now = (): number => Date.parse("2025-06-02T05:00:00Z") + (Date.now() - start);

  const tdb = await createTestDatabase();
  const db = createDb(tdb.url, { max: 4, applicationName: "bench-compliance" });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = redisPrefix();
  try {
    await loadPolicies(db, POLICIES);
    await db
      .insertInto("templates")
      .values({
        name: "promo_june",
        locale: "en",
        category: "marketing",
        status: "APPROVED",
        parameter_count: 1,
        components: "[]",
      })
      .execute();
    const state = createStateStore({ db, redis, keyPrefix: prefix, now });
    const compliance = createCompliance({ db, state, now });

    // A known customer: opted in, wrote an hour ago, one marketing message already counted today.
    await state.setConsent({ customerId: CUSTOMER }, { marketing: "granted" }, { source: "bench" });
    await state.recordInbound({ customerId: CUSTOMER }, now() - H);
    const slot = await db.transaction().execute(async (trx) => {
      const r = await reserveFrequencySlot(trx, { customerId: CUSTOMER, cap: 2, now: now() - 2 * H });
      const row = await trx
        .insertInto("messages")
        .values({
          customer_id: CUSTOMER,
          direction: "outbound",
          category: "marketing",
          kind: "template",
          content: "{}",
          status: "queued",
          counts_toward_cap: true,
          queued_at: new Date(r.at),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { r, id: row.id };
    });
    await state.mirrorReservation({ customerId: CUSTOMER }, slot.r, slot.id);

    const request = {
      customer_id: "+62 811-9988-7766",
      message_type: "template" as const,
      template_name: "promo_june",
      variables: ["Ann"],
    };
    const first = await compliance.evaluate(request);
    if (!first.allowed) throw new Error(`bench setup: expected an allowed decision, got ${first.reason_code}`);
    const getKey = `${prefix}bench:get`;
    await redis.set(getKey, JSON.stringify(first).slice(0, 300));

    const evals: Summary[] = [];
    const gets: Summary[] = [];
    for (let r = 0; r < rounds; r++) {
      evals.push(await measure(samples, () => compliance.evaluate(request)));
      gets.push(await measure(samples, () => redis.get(getKey)));
      ctx.log(
        `round ${r + 1}/${rounds}: evaluate p50 ${evals[r]!.p50_ms.toFixed(3)} ms, redis GET p50 ${gets[r]!.p50_ms.toFixed(3)} ms`,
      );
    }
    const e = medianOf(evals);
    const g = medianOf(gets);
    const ratio = e.p50_ms / g.p50_ms;
    const pass = e.p50_ms <= 0.5 && e.p99_ms <= 2 && ratio <= 4;
    return {
      rows: [
        {
          name: "compliance",
          n: e.n,
          p50_ms: e.p50_ms,
          p99_ms: e.p99_ms,
          throughput_per_s: e.throughput_per_s,
          target: TARGET,
          verdict: pass ? "PASS" : "MISS",
          reference: { name: "redis GET", p50_ms: g.p50_ms, p99_ms: g.p99_ms },
          notes: `${ratio.toFixed(2)}× GET p50; median of ${rounds} rounds of ${samples}`,
        },
      ],
    };
  } finally {
    await clearRedisPrefix(redis, prefix).catch(() => {});
    redis.disconnect();
    await db.destroy();
    await tdb.drop();
  }
}

export const benchmark = { name: "compliance", target: TARGET, run };
