import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginCallMany, claimMany } from "../src/delivery/claim.js";
import { openStack, queueOrderUpdates, seedTemplates, type Stack } from "./support.js";

// The delivery worker's claim and fence for many messages per statement (issue 19).
let s: Stack;

beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
});
afterAll(() => s.close());

const queued = (n: number) => queueOrderUpdates(s, n);

const statusOf = async (id: string) =>
  s.db
    .selectFrom("messages")
    .select(["status", "attempts", "meta_call_at"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

describe("claimMany", () => {
  it("claims the queued rows of a batch, once each: not a row already claimed, an unknown id or a repeat", async () => {
    const [a, b, c] = await queued(3);
    await s.db.updateTable("messages").set({ status: "sending", attempts: 1 }).where("id", "=", c!).execute();
    const unknown = randomUUID();
    const rows = await claimMany(s.db, [a!, unknown, b!, c!, a!]);
    expect(rows.map((r) => r?.id)).toEqual([a, undefined, b, undefined, undefined]);
    expect(rows[0]).toMatchObject({ attempts: 1, marketing_consent: expect.any(String) });
    expect(await statusOf(a!)).toMatchObject({ status: "sending", attempts: 1, meta_call_at: null });
    expect(await statusOf(c!)).toMatchObject({ status: "sending", attempts: 1 }); // untouched
  });

  it("two workers claiming the same rows in opposite orders: each row once, no deadlock", async () => {
    const ids = await queued(60);
    const deadlocks = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`.execute(s.db)
        ).rows[0]!.n,
      );
    const before = await deadlocks();
    const rounds = await Promise.all([
      claimMany(s.db, ids),
      claimMany(s.db, ids.toReversed()),
      claimMany(s.db, ids.slice(20, 50)),
    ]);
    const won = rounds.flat().flatMap((r) => (r ? [r.id] : []));
    expect(won.toSorted()).toEqual(ids.toSorted());
    await new Promise((r) => setTimeout(r, 1200)); // cumulative statistics are flushed about once a second
    expect(await deadlocks()).toBe(before);
  });
});

describe("beginCallMany", () => {
  it("fences only the rows still held by the claim it names", async () => {
    const [a, b, c] = await queued(3);
    const [ra, rb, rc] = await claimMany(s.db, [a!, b!, c!]);
    // b was requeued and claimed again by another worker meanwhile; c was cancelled.
    await s.db.updateTable("messages").set({ attempts: 2 }).where("id", "=", b!).execute();
    await s.db.updateTable("messages").set({ status: "cancelled" }).where("id", "=", c!).execute();
    expect(await beginCallMany(s.db, [ra!, rb!, rc!])).toEqual([true, false, false]);
    expect((await statusOf(a!)).meta_call_at).not.toBeNull();
    expect((await statusOf(b!)).meta_call_at).toBeNull();
  });
});
