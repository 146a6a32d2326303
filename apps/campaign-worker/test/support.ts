import { fileURLToPath } from "node:url";
import { type SpawnedApp, spawnApp, waitFor } from "@wa/testkit";
import type { Db } from "@wa/db";
import { sql } from "kysely";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export type Worker = SpawnedApp;

/** Spawns the built app (`node dist/main.js`) with `env` on top of the test's environment. */
export const spawnWorker = (env: Record<string, string>): Worker => spawnApp(MAIN, env);

export { waitFor };

export const campaignRow = (db: Db, id: string) =>
  db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

export const visitedOf = (c: { enqueued_count: number; skipped_by_reason: Record<string, number> }): number =>
  c.enqueued_count + Object.values(c.skipped_by_reason).reduce((a, b) => a + b, 0);

/**
 * Stands in for apps/delivery-worker (not in the tree yet): every queued campaign message is accepted by
 * "Meta" (status sent, sent_at). Held (`scheduled`) rows are left alone, like the real worker would.
 */
export async function deliverQueued(
  db: Db,
  campaignId: string,
  status: "queued" | "scheduled" = "queued",
): Promise<number> {
  const r = await db
    .updateTable("messages")
    .set({ status: "sent", sent_at: sql`now()`, updated_at: sql`now()` })
    .where("campaign_id", "=", campaignId)
    .where("status", "=", status)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Rows of one campaign, counted independently of @wa/campaigns. */
export async function rowCounts(db: Db, campaignId: string) {
  const r = await sql<{
    n: string;
    customers: string;
    sendable: string;
    sent: string;
    held: string;
    cancelled: string;
  }>`
    SELECT count(*) AS n, count(DISTINCT customer_id) AS customers,
      count(*) FILTER (WHERE status IN ('scheduled', 'queued', 'retrying')) AS sendable,
      count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
      count(*) FILTER (WHERE status = 'scheduled') AS held,
      count(*) FILTER (WHERE status = 'cancelled') AS cancelled
    FROM messages WHERE campaign_id = ${campaignId}`.execute(db);
  const x = r.rows[0]!;
  return {
    n: +x.n,
    customers: +x.customers,
    sendable: +x.sendable,
    sent: +x.sent,
    held: +x.held,
    cancelled: +x.cancelled,
  };
}

/**
 * Holds one customer row FOR UPDATE until `release()`, as the send path does before writing a marketing
 * message: a fan-out reaching that customer waits inside its page (holding the campaign lock) meanwhile.
 * Tests use it to catch a fan-out mid-way whatever the machine's speed.
 */
export async function holdCustomer(db: Db, customerId: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const held = new Promise<void>((r) => (locked = r));
  const tx = db.transaction().execute(async (trx) => {
    const r = await trx
      .selectFrom("customers")
      .select("customer_id")
      .where("customer_id", "=", customerId)
      .forUpdate()
      .execute();
    if (r.length !== 1) throw new Error(`holdCustomer: no customer ${customerId}`);
    locked();
    await released;
  });
  await Promise.race([held, tx]);
  return async () => {
    release();
    await tx;
  };
}

/** Resolves once a session of this database waits for a lock of one of these kinds (pg_stat_activity wait_event). */
export const lockWaiter = (db: Db, ...events: ("advisory" | "transactionid" | "tuple")[]) =>
  waitFor(`a session waiting for a lock (${events.join(", ")})`, async () => {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event IN (${sql.join(events)})`.execute(
      db,
    );
    return r.rows[0]!.n > 0;
  });

/** The local hour now in an IANA zone. */
export function hourIn(zone: string, at = Date.now()): number {
  return Number(new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", hourCycle: "h23" }).format(at));
}

export const pad = (n: number, w: number): string => String(n).padStart(w, "0");
export { sql };
