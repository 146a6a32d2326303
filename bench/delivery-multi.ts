// delivery-multi (issue 15): 4 business numbers at 80 mps each (2 WABAs × 2 numbers at mock-meta, each WABA with
// its own token, accounts.yaml for the workers), 2 spawned delivery workers, messages interleaved over the
// numbers, one per recipient. Per number: msg/s first to last and % of its limit, 130429 count; in total: msg/s,
// lost and doubled from the mock's call log. Shows that each number is paced at its own limit in parallel
// (no number stalls another's messages) and that each is sent from with its own WABA's token.
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { firstToLastSecs, untilDone } from "./lib/delivery-progress.js";
import { openStack, publishEnvelopes, spawnWorkers, type Stack } from "./lib/delivery-stack.js";
import { callCounts, mockStats } from "./lib/mock-call-log.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const MPS = 80;
const TARGET = `each of 4 numbers ≥ 95 % of its ${MPS} mps with zero 130429 (≥ ${4 * MPS * 0.95} msg/s in total), zero lost or doubled`;
const WABAS = [
  {
    id: "400000000000001",
    token: "bench-token-a",
    secret: "bench-secret-a",
    numbers: ["410000000000001", "410000000000002"],
  },
  {
    id: "400000000000002",
    token: "bench-token-b",
    secret: "bench-secret-b",
    numbers: ["420000000000001", "420000000000002"],
  },
];
const NUMBERS = WABAS.flatMap((w) => w.numbers);
const N = Number(process.env.BENCH_MULTI_N ?? 8_400); // 2,100 per number: 27 s at 77.6 msg/s
const CONCURRENCY = process.env.BENCH_MULTI_CONCURRENCY ?? "16";

function accountsYaml(): string {
  const wabas = WABAS.map(
    (w, i) => `  - id: b${i}
    ${i === 0 ? "default: true\n    " : ""}wabas:
      - id: "${w.id}"
        token: { env: BENCH_TOKEN_${i} }
        app_secret: { env: BENCH_SECRET_${i} }
        numbers:
${w.numbers.map((n) => `          - { id: "${n}", throughput_mps: ${MPS} }`).join("\n")}`,
  );
  return `businesses:\n${wabas.join("\n")}\n`;
}

function open(): Promise<Stack> {
  return openStack({
    name: "bench-delivery-multi",
    mock: {
      port: 0,
      knobs: { triggers: false },
      accounts: WABAS.map((w) => ({
        wabaId: w.id,
        token: w.token,
        appSecret: w.secret,
        numbers: w.numbers.map((phoneNumberId) => ({ phoneNumberId, throughputMps: MPS })),
      })),
    },
  });
}

/** n queued template rows, the i-th from NUMBERS[i % 4] to its own recipient, envelopes published in that order. */
async function fill(s: Stack, n: number, base: number): Promise<void> {
  await sql`INSERT INTO customers (customer_id, phone) SELECT (${base}::bigint + g)::text, (${base}::bigint + g)::text
    FROM generate_series(1, ${n}) g`.execute(s.db);
  const ids = (
    await sql<{ id: string }>`
    INSERT INTO messages (customer_id, direction, category, kind, content, template_name, template_locale, status, queued_at, phone_number_id)
    SELECT (${base}::bigint + g)::text, 'outbound', 'utility', 'template',
      '{"type":"template","template_name":"order_update","locale":"en","variables":["Ann","A-1"]}'::jsonb, 'order_update', 'en', 'queued', now(),
      (${NUMBERS}::text[])[1 + (g % ${NUMBERS.length})]
    FROM generate_series(1, ${n}) g ORDER BY g RETURNING id`.execute(s.db)
  ).rows.map((r) => r.id);
  await publishEnvelopes(s, ids);
}

interface PerNumber {
  readonly id: string;
  readonly sent: number;
  readonly secs: number;
  readonly rate: number;
  readonly throttled: number;
}

async function perNumber(s: Stack, stats: Stats): Promise<PerNumber[]> {
  const r = await sql<{ p: string; n: string; first: Date; last: Date }>`
    SELECT phone_number_id AS p, count(*) AS n, min(sent_at) AS first, max(sent_at) AS last FROM messages
    WHERE status = 'sent' GROUP BY 1`.execute(s.db);
  return NUMBERS.map((id) => {
    const x = r.rows.find((row) => row.p === id);
    const sent = Number(x?.n ?? 0);
    const secs = x ? (x.last.getTime() - x.first.getTime()) / 1000 : Number.NaN;
    return { id, sent, secs, rate: sent / secs, throttled: stats.by_phone_number_id[id]?.by_code["130429"] ?? 0 };
  });
}

type Stats = Awaited<ReturnType<typeof mockStats>> & {
  by_phone_number_id: Record<string, { accepted: number; by_code: Record<string, number> }>;
};

async function run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
  const load0 = loadavg()[0]!;
  const s = await open();
  try {
    const dir = mkdtempSync(join(tmpdir(), "bench-accounts-"));
    writeFileSync(join(dir, "accounts.yaml"), accountsYaml());
    await fill(s, N, 628_800_000_000);
    spawnWorkers(s, 2, {
      ACCOUNTS_FILE: join(dir, "accounts.yaml"),
      META_PHONE_NUMBER_ID: NUMBERS[0]!,
      META_WABA_ID: WABAS[0]!.id,
      ...Object.fromEntries(
        WABAS.flatMap((w, i) => [
          [`BENCH_TOKEN_${i}`, w.token],
          [`BENCH_SECRET_${i}`, w.secret],
        ]),
      ),
      THROUGHPUT_MPS: String(MPS),
      DELIVERY_CONCURRENCY: CONCURRENCY,
    });
    const p = await untilDone(s, N, Math.max(180_000, (N / (4 * MPS)) * 3000), ctx.log);
    const load1 = loadavg()[0]!;
    const stats = (await mockStats(s.mock.url)) as Stats;
    const nums = await perNumber(s, stats);
    const perSecond = await sql<{ s: number; n: string }>`
      SELECT floor(extract(epoch FROM sent_at - (SELECT min(sent_at) FROM messages)))::int AS s, count(*) AS n
      FROM messages WHERE status = 'sent' AND phone_number_id = ${NUMBERS[0]!} GROUP BY 1 ORDER BY 1`.execute(s.db);
    ctx.log(`${NUMBERS[0]} sends per second from the first send: ${perSecond.rows.map((r) => r.n).join(" ")}`);
    const calls = await callCounts(s.mock.url, N);
    const lost = N - calls.distinct;
    const secs = firstToLastSecs(p);
    const total = p.sent / secs;
    const throttled = nums.reduce((t, x) => t + x.throttled, 0);
    const okNumbers = nums.every((x) => x.rate >= MPS * 0.95 && x.throttled === 0 && x.sent === N / NUMBERS.length);
    const load = `load average ${load0.toFixed(1)} → ${load1.toFixed(1)}`;
    for (const x of nums)
      ctx.log(
        `${x.id}: ${x.sent} sent in ${x.secs.toFixed(2)} s → ${x.rate.toFixed(1)} msg/s (${((x.rate / MPS) * 100).toFixed(1)} % of ${MPS}); 130429: ${x.throttled}`,
      );
    ctx.log(
      `total: ${p.sent} sent, ${p.failed} failed in ${secs.toFixed(2)} s → ${total.toFixed(1)} msg/s; lost ${lost}, doubled ${calls.doubled}; mock by_code ${JSON.stringify(stats.by_code)}; ${load}`,
    );
    const rows: BenchRow[] = nums.map((x) => ({
      name: `delivery-multi (${x.id})`, // not "-<digits>": that names a size for the growth chart
      n: x.sent,
      p50_ms: null,
      p99_ms: null,
      throughput_per_s: x.rate,
      target: `≥ ${MPS * 0.95} msg/s (95 % of ${MPS}), zero 130429`,
      verdict: x.rate >= MPS * 0.95 && x.throttled === 0 && x.sent === N / NUMBERS.length ? "PASS" : "MISS",
      notes: `${((x.rate / MPS) * 100).toFixed(1)} % of its limit, first to last sent of this number (${x.secs.toFixed(1)} s); 130429: ${x.throttled}`,
    }));
    rows.push({
      name: "delivery-multi",
      n: p.sent,
      p50_ms: null,
      p99_ms: null,
      throughput_per_s: total,
      target: TARGET,
      verdict:
        okNumbers && total >= 4 * MPS * 0.95 && lost === 0 && calls.doubled === 0 && throttled === 0 ? "PASS" : "MISS",
      notes: `first to last sent over all numbers; ${N} msgs / ${N} recipients over ${NUMBERS.length} numbers in 2 WABAs (own tokens), 2 workers × ${CONCURRENCY} in flight; ${p.failed} failed; 130429: ${throttled}; lost ${lost}, doubled ${calls.doubled} (call log); workers pace 3 % under each limit (THROUGHPUT_HEADROOM_PCT); ${load}`,
    });
    return { rows };
  } finally {
    await s.close();
  }
}

export const benchmark = { name: "delivery-multi", target: TARGET, run };
