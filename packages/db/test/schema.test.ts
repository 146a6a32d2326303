import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@wa/testkit";
import { createDb, migrate, pendingMigrations, writeAudit, type Db } from "../src/index.js";

const tdb = useTestDatabase();
let db: Db;

beforeAll(() => {
  db = createDb(tdb.url, { max: 4 });
});
afterAll(async () => {
  await db.destroy();
});

async function customer(id: string): Promise<void> {
  await db.insertInto("customers").values({ customer_id: id, phone: id }).execute();
}

function pgCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

async function rejection(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return pgCode(err);
  }
  return undefined;
}

function conversationRow(now: Date) {
  return {
    customer_id: "6281100000001",
    opened_at: now,
    last_inbound_at: now,
    window_expires_at: new Date(now.getTime() + 86_400_000),
  };
}

function serviceMessage(key: string | null, wamid: string | null) {
  return {
    customer_id: "6281100000004",
    direction: "outbound" as const,
    category: "service" as const,
    kind: "text",
    content: JSON.stringify({ text: "hi" }),
    status: "queued" as const,
    idempotency_key: key,
    wamid,
  };
}

describe("migrations", () => {
  it("are applied in the template and a second run is a no-op", async () => {
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await migrate(db)).toEqual({ applied: [] });
  });
});

describe("constraints", () => {
  it("allow one active conversation per customer and channel, any number archived", async () => {
    await customer("6281100000001");
    await db.insertInto("conversations").values(conversationRow(new Date())).execute();
    expect(await rejection(db.insertInto("conversations").values(conversationRow(new Date())).execute())).toBe("23505");
    await db
      .insertInto("conversations")
      .values({ ...conversationRow(new Date()), status: "archived", archived_at: new Date() })
      .execute();
    const count = await db.selectFrom("conversations").select(sql<number>`count(*)::int`.as("n")).executeTakeFirst();
    expect(count?.n).toBe(2);
  });

  it("reject a message status outside the allowed set", async () => {
    await customer("6281100000002");
    const bad = sql`INSERT INTO messages (customer_id, direction, category, kind, content, status)
      VALUES ('6281100000002', 'outbound', 'service', 'text', '{}', 'teleported')`.execute(db);
    expect(await rejection(bad)).toBe("23514");
  });

  it("reject an inbound message with an outbound status and an outbound one without category", async () => {
    await customer("6281100000003");
    const inboundQueued = db
      .insertInto("messages")
      .values({
        customer_id: "6281100000003",
        direction: "inbound",
        category: null,
        kind: "text",
        content: "{}",
        status: "queued",
      })
      .execute();
    expect(await rejection(inboundQueued)).toBe("23514");
    const noCategory = db
      .insertInto("messages")
      .values({
        customer_id: "6281100000003",
        direction: "outbound",
        category: null,
        kind: "text",
        content: "{}",
        status: "queued",
      })
      .execute();
    expect(await rejection(noCategory)).toBe("23514");
  });

  it("reject a duplicate idempotency key and a duplicate wamid", async () => {
    await customer("6281100000004");
    await db.insertInto("messages").values(serviceMessage("k-1", "wamid.A")).execute();
    expect(await rejection(db.insertInto("messages").values(serviceMessage("k-1", null)).execute())).toBe("23505");
    expect(await rejection(db.insertInto("messages").values(serviceMessage("k-2", "wamid.A")).execute())).toBe("23505");
    await db.insertInto("messages").values(serviceMessage(null, null)).execute(); // many rows may lack both
    await db.insertInto("messages").values(serviceMessage(null, null)).execute();
  });

  it("reject a message for an unknown customer and a scheduled message without deliver_at", async () => {
    const orphan = db
      .insertInto("messages")
      .values({
        customer_id: "999",
        direction: "outbound",
        category: "service",
        kind: "text",
        content: "{}",
        status: "queued",
      })
      .execute();
    expect(await rejection(orphan)).toBe("23503");
    await customer("6281100000005");
    const unscheduled = db
      .insertInto("messages")
      .values({
        customer_id: "6281100000005",
        direction: "outbound",
        category: "service",
        kind: "text",
        content: "{}",
        status: "scheduled",
      })
      .execute();
    expect(await rejection(unscheduled)).toBe("23514");
  });

  it("reject unknown consent values and duplicate customers", async () => {
    await customer("6281100000006");
    expect(await rejection(customer("6281100000006"))).toBe("23505");
    const bad = sql`UPDATE customers SET marketing_consent = 'maybe' WHERE customer_id = '6281100000006'`.execute(db);
    expect(await rejection(bad)).toBe("23514");
  });

  it("keep audit_logs append-only", async () => {
    await writeAudit(db, { actor: "agent", action: "consent.update", subjectType: "customer", subjectId: "x" });
    const rows = await db.selectFrom("audit_logs").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.details).toEqual({});
    expect(await rejection(db.deleteFrom("audit_logs").execute())).toBe("P0001");
    expect(await rejection(db.updateTable("audit_logs").set({ action: "x" }).execute())).toBe("P0001");
  });
});
