import { setTimeout as sleep } from "node:timers/promises";
import { publishDueCampaigns } from "./campaigns-due.js";
import { dispatchDueBatch, nextDueAt, prewarmDue } from "./dispatch-due.js";
import { reconcileOnce, type ReconcileOptions } from "./reconcile.js";
import type { SchedulerDeps } from "./types.js";

const MIN_WAIT_MS = 25;

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
 * One loop per replica: dispatch every due batch, publish due campaigns, reconcile now and then, then sleep
 * until the next known deliver_at (never longer than a tick). Waking at the exact due time keeps the
 * lateness at the query time rather than half a tick; rows added meanwhile are found within one tick.
 */
export function startScheduler(o: SchedulerOptions): Scheduler {
  const now = o.now ?? Date.now;
  const stop = new AbortController();
  let lastReconcile = 0;
  let lastCampaigns = 0;
  const warmed = new Set<number>(); // deliver_at seconds already warmed

  async function round(): Promise<void> {
    for (;;) {
      const r = await dispatchDueBatch(o);
      if (r.queued + r.cancelled < (o.batchSize ?? 200) || stop.signal.aborted) break;
    }
    const t = now();
    if (t - lastCampaigns >= (o.campaignsEveryMs ?? o.tickMs)) {
      lastCampaigns = t;
      await publishDueCampaigns(o);
    }
    if (t - lastReconcile >= (o.reconcileEveryMs ?? 1000)) {
      lastReconcile = t;
      await reconcileOnce(o, o.reconcile);
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
      } catch (err) {
        o.log.error({ err }, "scheduler round failed; trying again next tick");
      }
      let wait = o.tickMs;
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
