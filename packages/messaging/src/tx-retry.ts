import { setTimeout as sleep } from "node:timers/promises";
import type { Database, Db } from "@wa/db";
import type { Transaction } from "kysely";

// deadlock_detected, serialization_failure: Postgres rolled the transaction back; running it again is safe.
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 6;

function isRetryableTxError(err: unknown): boolean {
  return typeof err === "object" && err !== null && RETRYABLE.has(String((err as { code?: unknown }).code));
}

/**
 * Runs `fn` in a transaction and runs it again (with a short random backoff) when Postgres aborts it for a
 * deadlock or a serialization failure, so the agent never sees one. One lock order everywhere (README) makes
 * them rare; this covers what remains. Other errors propagate unchanged.
 */
export async function withTxRetry<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (!isRetryableTxError(err) || attempt >= ATTEMPTS) throw err;
      await sleep(Math.random() * 10 * attempt);
    }
  }
}
