// Many numbers (issue 15) through the built app: each message is sent from its own number with its WABA's token,
// each number paced at its own phone_numbers.throughput_mps (re-read without a restart), pauses per number.
import { publishOutbound, type Bus } from "@wa/bus";
import type { Db } from "@wa/db";
import type { RunningMockMeta } from "@wa/mock-meta";
import { TWO_BUSINESSES, twoBusinessesOnMockMeta, writeTwoBusinesses } from "@wa/testkit";
import type { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { queuedTemplates, workerStack } from "./stack.js";
import { waitFor, type Proc } from "./support.js";

// Business x's numbers A1 (the default) and A2 share WABA_A and its token; business y's B1 has its own WABA.
const { WX: WABA_A, A: A1, B: A2, C: B1 } = TWO_BUSINESSES;
const stack = workerStack({ busName: "delivery-worker-multi-test", dbMax: 4 });
const { names, prefix, running } = stack;
let db: Db;
let redis: Redis;
let bus: Bus;
let mock: RunningMockMeta;
let accountsFile: string;

const start = (extra: Record<string, string> = {}): Proc =>
  stack.start({
    META_ACCESS_TOKEN: "unused-with-accounts-yaml",
    META_PHONE_NUMBER_ID: A1,
    META_WABA_ID: WABA_A,
    ACCOUNTS_FILE: accountsFile,
    ...TWO_BUSINESSES.env,
    DELIVERY_CONCURRENCY: "16",
    THROUGHPUT_MPS: "80",
    THROUGHPUT_REFRESH_SECS: "1",
    SENDING_PROBE_SECS: "3600",
    ...extra,
  });

async function stopAll(): Promise<void> {
  for (const w of running.splice(0)) {
    if (w.proc.exitCode === null) w.proc.kill("SIGTERM");
    await w.exited;
  }
}

/** n queued template rows from `from` (null: no number named), one recipient each, envelopes published. */
async function burst(from: string | null, n: number): Promise<string[]> {
  const ids = await queued(from, n);
  await publish(ids);
  return ids;
}

const publish = (ids: string[]) => Promise.all(ids.map((id) => publishOutbound(bus.js, names, { message_id: id })));

/** n queued template rows from `from`, envelopes not yet published. */
async function queued(from: string | null, n: number): Promise<string[]> {
  return (await queuedTemplates(db, n, ["A", "1"], from)).ids;
}

interface Sent {
  n: number;
  first: number;
  last: number;
}
async function sentFrom(ids: string[]): Promise<Map<string | null, Sent>> {
  const r = await sql<{ p: string | null; n: string; first: Date; last: Date }>`
    SELECT phone_number_id AS p, count(*) AS n, min(sent_at) AS first, max(sent_at) AS last FROM messages
    WHERE id = ANY(${ids}::uuid[]) AND status = 'sent' GROUP BY 1`.execute(db);
  return new Map(r.rows.map((x) => [x.p, { n: Number(x.n), first: x.first.getTime(), last: x.last.getTime() }]));
}
const allSent = async (ids: string[]) =>
  [...(await sentFrom(ids)).values()].reduce((s, x) => s + x.n, 0) === ids.length;
const secs = (s: Sent) => (s.last - s.first) / 1000;
const rate = (s: Sent) => (s.n - 1) / secs(s);
/** What a token bucket of `mps` (one second of burst, Meta's too) lets through in the span: never more. */
const withinBucket = (s: Sent, mps: number) => s.n <= mps * secs(s) + mps;

type Stats = { by_phone_number_id: Record<string, { accepted: number; by_code: Record<string, number> }> };
const stats = async (): Promise<Stats> => (await (await fetch(`${mock.url}/_mock/stats`)).json()) as Stats;

beforeAll(async () => {
  ({ db, redis, bus, mock } = await stack.up({
    port: 0,
    knobs: { triggers: false },
    accounts: twoBusinessesOnMockMeta(), // each number at mock-meta's default 80 mps
  }));
  accountsFile = writeTwoBusinesses();
});

afterEach(stopAll);

afterAll(async () => {
  await stopAll();
  await stack.down();
});

describe("delivery from many numbers (node dist/main.js, accounts.yaml)", () => {
  it("sends each message from its own number with its WABA's token; no number named = the default number", async () => {
    start();
    const ids = [...(await burst(B1, 3)), ...(await burst(A2, 3)), ...(await burst(null, 3))];
    await waitFor("all sent", () => allSent(ids), 30_000);
    const by = await sentFrom(ids);
    // mock-meta answers 100/33 to another WABA's token on a number, so B1's success proves token-y was used.
    expect([...by.entries()].map(([p, s]) => [p, s.n]).toSorted()).toEqual([
      [A1, 3],
      [A2, 3],
      [B1, 3],
    ]);
    const s = await stats();
    expect(s.by_phone_number_id[B1]?.by_code ?? {}).toEqual({});
    expect(s.by_phone_number_id[A2]?.by_code ?? {}).toEqual({});
  }, 60_000);

  it("two numbers at 80 mps each deliver in parallel, each paced at its own limit, zero 130429", async () => {
    const before = await stats();
    const N = 400; // 5 s per number at 77.6 msg/s (80 less THROUGHPUT_HEADROOM_PCT)
    // Two senders at once: the stream holds their messages mixed (one number's whole backlog ahead of the other's
    // is the look-ahead limit the README describes).
    const [fromA, fromB] = [await queued(A1, N), await queued(B1, N)];
    const ids = fromA.flatMap((id, i) => [id, fromB[i]!]);
    await publish(ids);
    start({ DELIVERY_REPLICAS: "2" });
    start({ DELIVERY_REPLICAS: "2" });
    await waitFor("all sent", () => allSent(ids), 60_000);
    const by = await sentFrom(ids);
    const a = by.get(A1)!;
    const b = by.get(B1)!;
    expect([a.n, b.n]).toEqual([N, N]);
    for (const x of [a, b]) {
      expect(withinBucket(x, 80)).toBe(true);
      expect(rate(x)).toBeGreaterThan(50); // 77.6 on a quiet machine (bench delivery-multi); others load this one
    }
    // In parallel: the two numbers' sends share most of their seconds (one after the other would share none).
    const overlap = (Math.min(a.last, b.last) - Math.max(a.first, b.first)) / 1000;
    expect(overlap).toBeGreaterThan(0.6 * Math.max(secs(a), secs(b)));
    const after = await stats();
    for (const p of [A1, B1]) {
      expect(after.by_phone_number_id[p]!.accepted - (before.by_phone_number_id[p]?.accepted ?? 0)).toBe(N);
      expect(after.by_phone_number_id[p]!.by_code["130429"] ?? 0).toBe(0);
    }
  }, 90_000);

  it("a raised phone_numbers.throughput_mps raises the number's pace without a restart", async () => {
    start();
    const slow = await burst(B1, 240);
    await waitFor("slow sent", () => allSent(slow), 30_000);
    expect(withinBucket((await sentFrom(slow)).get(B1)!, 80)).toBe(true);
    // What the THROUGHPUT_UPGRADE webhook does (Meta's side: the mock's bucket for B1).
    await fetch(`${mock.url}/_mock/throughput`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone_number_id: B1, mps: 400 }),
    });
    await db.updateTable("phone_numbers").set({ throughput_mps: 400 }).where("phone_number_id", "=", B1).execute();
    await waitFor(
      "the worker's pace for B1",
      async () => (await redis.get(`${prefix}rl:{${B1}}:mps`)) === "388",
      10_000,
    );
    const fast = await burst(B1, 800);
    await waitFor("fast sent", () => allSent(fast), 30_000);
    // More than an 80 mps bucket could ever let through in that time.
    expect(withinBucket((await sentFrom(fast)).get(B1)!, 80)).toBe(false);
    expect((await stats()).by_phone_number_id[B1]!.by_code["130429"] ?? 0).toBe(0);
  }, 90_000);

  it("an invalid token on one WABA pauses only that WABA's numbers; the other business keeps sending", async () => {
    start({ Y_TOKEN: "revoked-token" });
    const fromB = await burst(B1, 3);
    const fromA = [...(await burst(A1, 3)), ...(await burst(A2, 3))];
    await waitFor("A's sent", () => allSent(fromA), 30_000);
    const paused = await waitFor(
      "B1 paused",
      async () => {
        const r = await db.selectFrom("sending_pauses").select(["phone_number_id", "error_code"]).execute();
        return r.length > 0 ? r : null;
      },
      30_000,
    );
    expect(paused).toEqual([{ phone_number_id: B1, error_code: 190 }]);
    // Held, nothing failed: each row given back untouched (the calls that met 190 may still be settling).
    const held = async () =>
      (await db.selectFrom("messages").select(["status", "attempts"]).where("id", "in", fromB).execute()).every(
        (r) => r.status === "queued" && r.attempts === 0,
      );
    await waitFor("B's rows given back", held, 10_000);
  }, 60_000);
});
