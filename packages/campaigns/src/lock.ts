import { sql, type Transaction } from "kysely";
import type { Database, Db } from "@wa/db";

// Advisory-lock class for campaign fan-out; the object key is hashtext(campaign id) (a collision only serializes).
const LOCK_CLASS = 7_290_009;

export type Trx = Transaction<Database>;

/**
 * Runs `fn` in a transaction (or the caller's) holding the campaign's fan-out lock. A fan-out page holds it while it
 * enqueues, so pause/cancel/resume (which take it too) land between pages, never inside one.
 */
export async function withCampaignLock<T>(db: Db, campaignId: string, fn: (trx: Trx) => Promise<T>): Promise<T> {
  const locked = async (trx: Trx): Promise<T> => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(${campaignId}))`.execute(trx);
    return fn(trx);
  };
  // Inside a caller's transaction (the webhook processor's event) the lock is held until that one commits.
  return db.isTransaction ? locked(db as Trx) : db.transaction().execute(locked);
}

/** True when no process is inside a fan-out page of this campaign right now. */
export async function isCampaignIdle(db: Db, campaignId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await sql<{
      got: boolean;
    }>`SELECT pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(${campaignId})) AS got`.execute(trx);
    return r.rows[0]?.got === true;
  });
}
