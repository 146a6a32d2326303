import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSentWriter } from "../src/delivery/sent-batch.js";
import type { ClaimedRow } from "../src/delivery/types.js";
import { openStack, orderUpdate, queueOrderUpdates, seedTemplates, type Stack } from "./support.js";

// The delivery worker's batched `sent` writes (issue 19): the same outcome per row as markSent, many per commit.
const PHONE_ID = "100000000000001";
let s: Stack;

beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
});
afterAll(() => s.close());

const sendResult = (wamid = `wamid.${randomUUID()}`) => ({
  wamid,
  input: null,
  waId: null,
  userId: null,
  messageStatus: null,
});

async function claimedRows(n: number, campaignId: string | null = null): Promise<ClaimedRow[]> {
  const ids = await queueOrderUpdates(s, n);
  await s.db
    .updateTable("messages")
    .set({ status: "sending", attempts: 1, campaign_id: campaignId })
    .where("id", "in", ids)
    .execute();
  const rows = await s.db.selectFrom("messages").selectAll().where("id", "in", ids).execute();
  return rows.map(
    (r) => ({ ...r, marketing_consent: "unknown", utility_consent: "unknown", last_inbound_at: null }) as never,
  );
}

async function campaign(): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO campaigns (name, type, template_name, locale, status, scheduled_at)
    VALUES ('batch', 'utility', 'order_update', 'en', 'running', now()) RETURNING id`.execute(s.db);
  return rows[0]!.id;
}

describe("createSentWriter", () => {
  it("writes many concurrent outcomes in few commits, each row as markSent would, counters once", async () => {
    const c = await campaign();
    const rows = await claimedRows(40, c);
    // A `delivered` webhook beat one of them: it stays delivered and counts once.
    await s.db.updateTable("messages").set({ status: "delivered" }).where("id", "=", rows[0]!.id).execute();
    await sql`UPDATE campaigns SET sent_count = 1, delivered_count = 1 WHERE id = ${c}`.execute(s.db);
    const batches: number[] = [];
    const write = createSentWriter(s.db, { onBatch: (n) => batches.push(n) });
    const at = new Date();
    const wamids = rows.map(() => `wamid.${randomUUID()}`);
    const first = write(rows[0]!, sendResult(wamids[0]), PHONE_ID, at);
    await Promise.resolve(); // the first has left alone; the rest arrive while it is written
    await Promise.all([first, ...rows.slice(1).map((r, i) => write(r, sendResult(wamids[i + 1]), PHONE_ID, at))]);
    expect(batches).toEqual([1, 39]); // the rest waited for the first and went together
    const after = await s.db
      .selectFrom("messages")
      .select(["id", "status", "wamid", "phone_number_id", "sent_at"])
      .where("campaign_id", "=", c)
      .execute();
    const byId = new Map(after.map((r) => [r.id, r]));
    rows.forEach((r, i) => {
      const a = byId.get(r.id)!;
      expect(a).toMatchObject({ status: i === 0 ? "delivered" : "sent", wamid: wamids[i], phone_number_id: PHONE_ID });
      expect(a.sent_at?.getTime()).toBe(at.getTime());
    });
    const counts = await s.db
      .selectFrom("campaigns")
      .select(["sent_count", "delivered_count"])
      .where("id", "=", c)
      .executeTakeFirstOrThrow();
    expect(counts).toEqual({ sent_count: 40, delivered_count: 1 });
    const customers = await s.db
      .selectFrom("customers")
      .select("last_outbound_at")
      .where(
        "customer_id",
        "in",
        rows.map((r) => r.customer_id),
      )
      .execute();
    expect(customers.every((x) => x.last_outbound_at?.getTime() === at.getTime())).toBe(true);
  });

  it("a row that cannot be written fails alone: the rest of its batch is written", async () => {
    const rows = await claimedRows(6);
    const taken = `wamid.${randomUUID()}`;
    await s.db.updateTable("messages").set({ wamid: taken }).where("id", "=", rows[5]!.id).execute();
    const write = createSentWriter(s.db);
    const results = await Promise.allSettled(
      rows.slice(0, 5).map((r, i) => write(r, sendResult(i === 4 ? taken : undefined), PHONE_ID, new Date())),
    );
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled", "rejected"]);
    const statuses = await s.db
      .selectFrom("messages")
      .select(["id", "status"])
      .where(
        "id",
        "in",
        rows.slice(0, 5).map((r) => r.id),
      )
      .execute();
    expect(statuses.filter((x) => x.status === "sent")).toHaveLength(4);
  });

  it("two writers over the same customers in opposite orders both get every row written", async () => {
    const rows = await claimedRows(30);
    // Same customers, second message each: one writer takes them forwards, the other backwards.
    const offline = s.with({ js: null });
    const seconds: string[] = [];
    for (const r of rows) {
      const m = await offline.enqueueOutbound(orderUpdate(r.customer_id), { actor: "agent" });
      if (!m.ok) throw new Error(`refused: ${m.reason_code}`);
      seconds.push(m.message_id);
    }
    await s.db.updateTable("messages").set({ status: "sending", attempts: 1 }).where("id", "in", seconds).execute();
    const more = (await s.db.selectFrom("messages").selectAll().where("id", "in", seconds).execute()).map(
      (r) =>
        ({
          ...r,
          marketing_consent: "unknown",
          utility_consent: "unknown",
          last_inbound_at: null,
        }) as never as ClaimedRow,
    );
    const [a, b] = [createSentWriter(s.db), createSentWriter(s.db)];
    await Promise.all([
      ...rows.map((r) => a(r, sendResult(), PHONE_ID, new Date())),
      ...more.toReversed().map((r) => b(r, sendResult(), PHONE_ID, new Date())),
    ]);
    const sent = await s.db
      .selectFrom("messages")
      .select("id")
      .where("id", "in", [...rows.map((r) => r.id), ...seconds])
      .where("status", "=", "sent")
      .execute();
    expect(sent).toHaveLength(60);
  });
});
