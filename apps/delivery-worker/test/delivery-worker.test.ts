import { connectBus, publishOutbound, type Bus } from "@wa/bus";
import { createCompliance } from "@wa/compliance";
import type { Db } from "@wa/db";
import { createMessaging, reconcileOnce } from "@wa/messaging";
import type { RunningMockMeta } from "@wa/mock-meta";
import { createStateStore } from "@wa/state";
import type { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queuedTemplates, workerStack } from "./stack.js";
import { phone, silentLog, waitFor, type Proc } from "./support.js";

const CONCURRENCY = 16;
const stack = workerStack({ busName: "delivery-worker-test", dbMax: 10 });
const { names, prefix, running } = stack;
let db: Db;
let redis: Redis;
let bus: Bus;
let mock: RunningMockMeta;

const start = (): Proc =>
  stack.start({
    META_ACCESS_TOKEN: "mock-token",
    META_PHONE_NUMBER_ID: "100000000000001",
    META_WABA_ID: "200000000000001",
    DELIVERY_CONCURRENCY: String(CONCURRENCY),
    THROUGHPUT_MPS: "1000",
    SHUTDOWN_DEADLINE_MS: "8000",
  });

/** Queued rows straight into Postgres plus their envelopes: a burst as the gateway would leave it. */
async function burst(n: number): Promise<{ ids: string[]; tos: string[] }> {
  const { ids, tos } = await queuedTemplates(db, n, ["Ann", "A-1"]);
  for (let i = 0; i < ids.length; i += 200)
    await Promise.all(ids.slice(i, i + 200).map((id) => publishOutbound(bus.js, names, { message_id: id })));
  return { ids, tos };
}

function reconcilerDeps() {
  const state = createStateStore({ db, redis, keyPrefix: prefix });
  return { db, state, compliance: createCompliance({ db, state }), js: bus.js, names, log: silentLog };
}

const countSent = async (ids: string[]) =>
  Number(
    (
      await sql<{
        n: string;
      }>`SELECT count(*) AS n FROM messages WHERE id = ANY(${ids}::uuid[]) AND status = 'sent'`.execute(db)
    ).rows[0]!.n,
  );

async function acceptedCalls(tos: string[]): Promise<Map<string, number>> {
  const set = new Set(tos);
  const body = (await (await fetch(`${mock.url}/_mock/calls?limit=200000`)).json()) as {
    calls: { to: string; code: number | null }[];
  };
  const per = new Map<string, number>();
  for (const c of body.calls) if (set.has(c.to) && c.code === null) per.set(c.to, (per.get(c.to) ?? 0) + 1);
  return per;
}

beforeAll(async () => {
  ({ db, redis, bus, mock } = await stack.up({ port: 0, throughputMps: 1000 }));
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
  // The worker paces the number from phone_numbers.throughput_mps (THROUGHPUT_MPS only covers a number without a row).
  await db
    .insertInto("phone_numbers")
    .values({ phone_number_id: "100000000000001", waba_id: "200000000000001", throughput_mps: 1000 })
    .execute();
});

afterAll(async () => {
  for (const w of running) if (w.proc.exitCode === null) w.proc.kill("SIGKILL");
  await stack.down();
});

describe("apps/delivery-worker (node dist/main.js)", () => {
  it("drains on SIGTERM mid-burst and a restarted worker finishes: every message sent exactly once", async () => {
    const { ids, tos } = await burst(500);
    const w = start();
    await waitFor("a third sent", async () => (await countSent(ids)) >= 150, 60_000);
    w.proc.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    const stuck = await db
      .selectFrom("messages")
      .select("id")
      .where("id", "in", ids)
      .where("status", "=", "sending")
      .execute();
    expect(stuck).toHaveLength(0); // the drain finished or handed back every claimed row
    const again = start();
    try {
      // Envelopes already on their way to the stopped consumer come back after the 30 s ack wait; the
      // reconciler (as the scheduler runs it) publishes their still-queued rows sooner.
      await waitFor(
        "all sent",
        async () => {
          await reconcileOnce(reconcilerDeps(), {
            stuckQueuedMs: 1000,
            stuckSendingMs: 60_000,
            stuckRetryingMs: 600_000,
          });
          return (await countSent(ids)) === ids.length;
        },
        60_000,
        500,
      );
      const per = await acceptedCalls(tos);
      expect(per.size).toBe(tos.length);
      expect([...per.values()].every((n) => n === 1)).toBe(true);
    } finally {
      again.proc.kill("SIGTERM");
      await again.exited;
    }
  });

  it("SIGKILL mid-burst of 2,000, restart + reconciler: nothing left behind, nothing sent twice", async () => {
    const { ids, tos } = await burst(2000);
    const w = start();
    await waitFor("a quarter sent", async () => (await countSent(ids)) >= 500, 60_000); // slow on a loaded machine
    w.proc.kill("SIGKILL");
    await w.exited;
    const cut = await db
      .selectFrom("messages")
      .select(["id", "meta_call_at"])
      .where("id", "in", ids)
      .where("status", "=", "sending")
      .execute();
    // Claimed rows: those in the consumer's slots, plus up to as many of the number's waiting for tokens outside them.
    expect(cut.length).toBeLessThanOrEqual(2 * CONCURRENCY);
    const maybe = cut.filter((c) => c.meta_call_at !== null); // cut during the call to Meta: maybe sent
    const again = start();
    // The scheduler's reconciler (the same code, in-process, on a short period): rows cut before their call to
    // Meta go out again; rows cut during it are never resent by age (no webhooks here: they wait, then end
    // failed SEND_UNCONFIRMED, explained); rows whose envelopes the dead worker had pulled go out before the ack wait.
    let requeued = 0;
    let unconfirmed = 0;
    const reconcile = { stuckQueuedMs: 1000, stuckSendingMs: 1000, stuckRetryingMs: 600_000, maybeSentWaitMs: 5000 };
    try {
      await waitFor(
        "all settled",
        async () => {
          const r = await reconcileOnce(reconcilerDeps(), reconcile);
          requeued += r.requeued;
          unconfirmed += r.unconfirmed;
          return (await countSent(ids)) + unconfirmed === ids.length;
        },
        60_000,
        500,
      );
    } finally {
      again.proc.kill("SIGTERM");
      await again.exited;
    }
    expect(requeued).toBe(cut.length - maybe.length);
    expect(unconfirmed).toBe(maybe.length);
    const failed = await db
      .selectFrom("messages")
      .select(["id", "status_reason", "error_explanation"])
      .where("id", "in", ids)
      .where("status", "=", "failed")
      .execute();
    expect(failed.map((f) => f.id).toSorted()).toEqual(maybe.map((m) => m.id).toSorted());
    for (const f of failed)
      expect(f).toMatchObject({
        status_reason: "SEND_UNCONFIRMED",
        error_explanation: expect.stringMatching(/not sent again/),
      });
    const per = await acceptedCalls(tos);
    expect([...per.values()].every((n) => n === 1)).toBe(true); // none sent twice
    expect(per.size).toBeGreaterThanOrEqual(tos.length - maybe.length); // every message not cut mid-call reached Meta
    console.log(
      `SIGKILL: ${cut.length} rows cut in sending, ${maybe.length} of them during the Meta call; 0 sent twice`,
    );
  }, 180_000);

  it("NATS unreachable at enqueue, then back: the reconciler publishes and the worker delivers", async () => {
    // The gateway's link to a NATS on a closed port never connects: its getter answers null.
    await expect(connectBus({ url: "nats://127.0.0.1:1", name: "closed-port" })).rejects.toThrow();
    const { state, compliance } = reconcilerDeps();
    const offline = createMessaging({ db, state, compliance, js: () => null, names, log: silentLog });
    const to = phone();
    const r = await offline.enqueueOutbound(
      { to, content: { type: "template", template_name: "order_update", variables: ["A", "B"] } },
      { actor: "agent" },
    );
    expect(r).toMatchObject({ ok: true, status: "queued", published: false });
    if (!r.ok) return;
    const w = start();
    await new Promise((res) => setTimeout(res, 1200));
    expect(
      (await db.selectFrom("messages").select("status").where("id", "=", r.message_id).executeTakeFirstOrThrow())
        .status,
    ).toBe("queued");
    await reconcileOnce(
      { db, state, compliance, js: bus.js, names, log: silentLog },
      { stuckQueuedMs: 1000, stuckSendingMs: 60_000, stuckRetryingMs: 600_000 },
    );
    try {
      await waitFor(
        "sent",
        async () =>
          (await db.selectFrom("messages").select("status").where("id", "=", r.message_id).executeTakeFirstOrThrow())
            .status === "sent",
      );
      expect((await acceptedCalls([to])).get(to)).toBe(1);
    } finally {
      w.proc.kill("SIGTERM");
      await w.exited;
    }
  });
});
