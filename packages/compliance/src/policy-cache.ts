import type { Database } from "@wa/db";
import type { Kysely } from "kysely";
import { type Policy, parsePolicy } from "./policy-schema.js";

interface Cached {
  readonly policies: readonly Policy[];
  readonly version: string;
  checkedAt: number; // monotonic ms of the last version read that matched
}

/**
 * The enabled policies, shared by every decision of this process. At most every `checkMs` one cheap read of
 * `policies_version` (bumped by a trigger on any write to `policies`, in the writing transaction) says whether
 * to reload, so a change made by any process, or by hand in SQL, is seen within about `checkMs`.
 */
export function createPolicyCache(db: Kysely<Database>, checkMs: number, monotonic: () => number) {
  let cached: Cached | null = null;
  let pending: Promise<readonly Policy[]> | null = null;
  let generation = 0;

  async function version(): Promise<string> {
    const row = await db.selectFrom("policies_version").select("version").executeTakeFirst();
    return String(row?.version ?? "0");
  }

  // A row that fails validation (edited by hand) throws: decisions fail closed, never skip a policy.
  async function load(): Promise<readonly Policy[]> {
    const rows = await db.selectFrom("policies").selectAll().where("enabled", "=", true).orderBy("id").execute();
    return rows.map((r) =>
      parsePolicy(
        {
          id: r.id,
          name: r.name,
          type: r.type,
          channel: r.channel,
          message_type: r.message_type,
          enabled: r.enabled,
          rules: r.rules,
        },
        "policies table",
      ),
    );
  }

  async function refresh(): Promise<readonly Policy[]> {
    const gen = generation;
    // The version is read before the rows: a change committed in between makes the next check reload again,
    // never pairs old rows with a new version.
    const v = await version();
    const now = monotonic();
    if (cached && cached.version === v) {
      cached.checkedAt = now;
      return cached.policies;
    }
    const policies = await load();
    if (gen === generation) cached = { policies, version: v, checkedAt: now };
    return policies;
  }

  return {
    /** Sync when fresh (the fast path of every decision), else one version read (and a reload if it moved). */
    get(): readonly Policy[] | Promise<readonly Policy[]> {
      if (cached && monotonic() - cached.checkedAt < checkMs) return cached.policies;
      pending ??= refresh().finally(() => {
        pending = null;
      });
      return pending;
    },
    /** This process wrote policies: the next decision reloads without waiting for the check. */
    invalidate(): void {
      cached = null;
      pending = null;
      generation += 1;
    },
  };
}
