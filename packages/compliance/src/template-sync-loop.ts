import type { Db } from "@wa/db";
import { sql } from "kysely";
import { syncTemplates, type TemplateSyncDeps } from "./template-sync.js";

interface SyncLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TemplateSyncOptions {
  /** Period between syncs; 0 = once at start only. */
  readonly everyMs: number;
  /** Set: sync only when this process wins the period's claim in template_sync_state (one replica per period). */
  readonly claimAs?: string;
}

export interface TemplateSyncLoop {
  first: Promise<void>; // the start-up attempt, settled (never rejects)
  stop(): void;
}

// Timers of different replicas drift by milliseconds; without slack a claim one tick old could look too fresh
// and a whole period would be skipped.
const CLAIM_SLACK = 0.9;

/**
 * Takes this period's sync if no process took it in the last `everyMs` (Postgres clock, so replicas agree).
 * True when this caller won and should sync now.
 */
export async function claimTemplateSync(db: Db, owner: string, everyMs: number): Promise<boolean> {
  const secs = (everyMs * CLAIM_SLACK) / 1000;
  const r = await db
    .updateTable("template_sync_state")
    .set({ claimed_by: owner, claimed_at: sql<Date>`now()` })
    .where((eb) =>
      eb.or([eb("claimed_at", "is", null), eb("claimed_at", "<=", sql<Date>`now() - make_interval(secs => ${secs})`)]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Syncs at start and every `everyMs`, so sends are checked against Meta's current status and list_templates can
 * answer from the table. Failures are logged and retried at the next tick: the stored copy keeps answering.
 */
export function startTemplateSync(deps: TemplateSyncDeps, opts: TemplateSyncOptions, log: SyncLog): TemplateSyncLoop {
  const once = async (when: string): Promise<void> => {
    try {
      if (opts.claimAs !== undefined && !(await claimTemplateSync(deps.db, opts.claimAs, opts.everyMs))) return;
      const r = await syncTemplates(deps);
      if (r.ok) log.info({ templates: r.synced, when }, "templates synced from meta");
      else log.warn({ problem: r.problem, when }, "templates not synced; the stored copy applies");
    } catch (err) {
      log.warn({ err, when }, "templates not synced (database unreachable?); the stored copy applies");
    }
  };
  const first = once("start");
  const timer = opts.everyMs > 0 ? setInterval(() => void once("schedule"), opts.everyMs) : undefined;
  timer?.unref();
  return { first, stop: () => clearInterval(timer) };
}
