import type { Database } from "@wa/db";
import { sql, type Kysely } from "kysely";

/**
 * Another process (the webhook processor, a scheduler's sync) changes templates this process has cached. At most
 * every `checkMs` one cheap read of the table's row count and latest `updated_at` (every writer sets it) says
 * whether anything changed; if so `onChange` drops the cache, so Meta's pause or reinstatement is seen within ~1 s.
 */
export function createTemplateWatch(
  db: Kysely<Database>,
  checkMs: number,
  monotonic: () => number,
  onChange: () => void,
) {
  let seen: string | null = null;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | null = null;

  async function check(): Promise<void> {
    const r = await sql<{
      v: string;
    }>`SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') AS v FROM templates`.execute(db);
    const v = r.rows[0]?.v ?? "";
    if (seen !== null && v !== seen) onChange();
    seen = v;
    checkedAt = monotonic();
  }

  return {
    /** Undefined when checked recently (the sync fast path), else the check every caller in the meantime shares. */
    due(): Promise<void> | undefined {
      if (monotonic() - checkedAt < checkMs) return undefined;
      pending ??= check().finally(() => {
        pending = null;
      });
      return pending;
    },
  };
}
