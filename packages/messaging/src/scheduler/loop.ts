import { setTimeout as sleep } from "node:timers/promises";
import { expireApprovals } from "../approvals/decide.js";
import { publishDueCampaigns } from "./campaigns-due.js";
import { dispatchDueBatch, nextDueAt, prewarmDue } from "./dispatch-due.js";
import { reconcileMemory, reconcileOnce, type ReconcileOptions } from "./reconcile.js";
import type { SchedulerDeps } from "./types.js";

const MIN_WAIT_MS = 25;
const MAX_FAILING_WAIT_MS = 5000; // a recovered Postgres is seen within this

export interface SchedulerOptions extends SchedulerDeps {
  readonly tickMs: number; // SCHEDULER_TICK_MS: the longest sleep between looks (new rows are seen within it)
  readonly reconcile: ReconcileOptions;
  readonly reconcileEveryMs?: number; // default 1000
  readonly campaignsEveryMs?: number; // default = tickMs
  readonly prewarmMs?: number; // warm the state cache for messages due within this horizon; default 2000, 0 = off
}

export interface Scheduler {
  close(): Promise<void>;
}

/**
 * One loop per replica: dispatch every due batch, publish due campaigns, reconcile (and expire approvals) now
 * and then, then sleep until the next known deliver_at (never longer than a tick). Waking at the exact due
 * time keeps the lateness at the query time rather than half a tick; rows added meanwhile are found within one tick.
 */
export function startScheduler(o: SchedulerOptions): Scheduler {
  const now = o.now ?? Date.now;
  const stop = new AbortController();
  let lastReconcile = 0;
  let lastCampaigns = 0;
  const warmed = new Set<number>(); // deliver_at seconds already warmed
  const memory = reconcileMemory();
  let failing = 0; // rounds failed in a row (Postgres unreachable): the loop backs off and logs once per change

  async function round(): Promise<void> {
    for (;;) {
      const r = await dispatchDueBatch(o);
      if (r.queued + r.cancelled + r.held < (o.batchSize ?? 200) || stop.signal.aborted) break;
    }
    const t = now();
    if (t - lastCampaigns >= (o.campaignsEveryMs ?? o.tickMs)) {
      lastCampaigns = t;
      await publishDueCampaigns(o);
    }
    if (t - lastReconcile >= (o.reconcileEveryMs ?? 1000)) {
      lastReconcile = t;
      await reconcileOnce(o, o.reconcile, memory);
      await expireApprovals(o.db, t); // approvals nobody decided in time end "expired" (the agent sees why)
    }
    const horizon = o.prewarmMs ?? 2000;
    const second = Math.floor((t + horizon) / 1000);
    if (horizon > 0 && !warmed.has(second)) {
      warmed.add(second);
      if (warmed.size > 100) warmed.clear();
      await prewarmDue(o, horizon);
    }
  }

  async function loop(): Promise<void> {
    while (!stop.signal.aborted) {
      try {
        await round();
        if (failing) o.log.info({ failed_rounds: failing }, "scheduler rounds succeed again");
        failing = 0;
      } catch (err) {
        failing += 1;
        if (failing === 1) o.log.error({ err }, "scheduler round failed; backing off until a round succeeds");
      }
      // While rounds fail (Postgres unreachable), wait longer each time: no flood of retries or log lines.
      let wait = failing ? Math.min(MAX_FAILING_WAIT_MS, o.tickMs * 2 ** Math.min(failing, 16)) : o.tickMs;
      if (!failing) {
        try {
          const next = await nextDueAt(o);
          // A due row still there is another replica's (locked) or failing: look again shortly, not in a spin.
          if (next !== null) {
            const gap = next - now();
            wait = Math.min(wait, gap > 0 ? gap : MIN_WAIT_MS);
          }
        } catch {
          // Postgres down: keep the tick
        }
      }
      await sleep(wait, undefined, { signal: stop.signal }).catch(() => {});
    }
  }

  const done = loop();
  return {
    close: async () => {
      stop.abort();
      await done;
    },
  };
}
