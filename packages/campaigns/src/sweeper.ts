import { DAY_MS } from "@wa/config";
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "@wa/db";
import type { LogLike } from "@wa/observability";
import { cancelSendableMessages, type OnMessagesCancelled } from "./cancel-messages.js";
import { completeIfDone } from "./complete.js";
import { pauseCampaignsForPausedTemplates, type PublishTrigger } from "./control.js";
import { syncCampaignCounters } from "./counters.js";
import type { TierSource } from "./fan-out.js";
import { isCampaignIdle } from "./lock.js";
import { campaignNumber } from "./number.js";
import { tierUsage } from "./tier-usage.js";
import type { Clock } from "./types.js";
import { WAITING_PREFIX } from "./wait-reason.js";

export interface SweeperDeps {
  readonly db: Db;
  readonly publishTrigger: PublishTrigger;
  readonly tier: TierSource;
  readonly log: LogLike;
  readonly now?: Clock;
  readonly intervalMs?: number; // default 1000
  readonly orphanAfterMs?: number; // a running fan-out with no progress and no page in flight this long is re-triggered; default 30 s
  readonly onMessagesCancelled?: OnMessagesCancelled;
}

interface SweepReport {
  triggered: number; // due scheduled campaigns (re)published
  completed: number;
  resumed: number; // tier waits over
  orphans: number; // re-triggered after losing their trigger (worker killed, publish failed)
  leftovers: number; // sendable messages found under cancelled campaigns and cancelled
  paused: number; // scheduled/running campaigns whose template Meta paused or disabled
}

/**
 * The campaign worker's periodic duties, idempotent and safe on every replica at once: pause campaigns whose
 * template Meta stopped, publish due campaigns, complete finished ones, resume tier waits, re-trigger orphaned fan-outs, mop up cancels.
 */
export interface CampaignSweeper {
  sweepOnce(): Promise<SweepReport>;
  /** Sweeps every intervalMs until close(). */
  start(): void;
  close(): Promise<void>;
}

export function createCampaignSweeper(deps: SweeperDeps): CampaignSweeper {
  const seen = new Map<string, { fingerprint: string; since: number }>();
  let syncTick = 0;
  const clock = deps.now ?? Date.now;

  async function sweepOnce(): Promise<SweepReport> {
    const t = clock();
    const report: SweepReport = { triggered: 0, completed: 0, resumed: 0, orphans: 0, leftovers: 0, paused: 0 };
    // Before anything is (re)triggered: a campaign whose template Meta stopped must not start another page.
    const paused = await pauseCampaignsForPausedTemplates({ db: deps.db, now: clock, log: deps.log });
    report.paused = paused.length;
    if (paused.length)
      deps.log.info({ campaigns: paused }, "campaigns paused: their template was paused or disabled by Meta");
    const due = await deps.db
      .selectFrom("campaigns")
      .select(["id", "run"])
      .where("status", "=", "scheduled")
      .where("scheduled_at", "<=", new Date(t))
      .limit(100)
      .execute();
    for (const c of due) if (await publish(c.id, c.run)) report.triggered++;

    const running = await deps.db
      .selectFrom("campaigns")
      .select([
        "id",
        "run",
        "cursor",
        "enqueued_count",
        "skipped_by_reason",
        "fanout_done",
        "status_reason",
        "phone_number_id",
      ])
      .where("status", "=", "running")
      .execute();
    const sync = syncTick++ % 5 === 0;
    const roomOf = new Map<string, boolean>(); // business_id → its tier has room now (one count per business)
    for (const c of running) {
      if (c.fanout_done) {
        if (await completeIfDone(deps.db, c.id, t)) report.completed++;
        else if (sync) await syncCampaignCounters(deps.db, c.id);
        continue;
      }
      if (c.status_reason?.startsWith(WAITING_PREFIX)) {
        const number = await campaignNumber(deps.db, c.phone_number_id);
        // No number any more: the new run pauses it (number_inactive) instead of waiting forever.
        let room = number ? roomOf.get(number.businessId) : true;
        if (room === undefined && number) {
          room = (await tierUsage(deps.db, await deps.tier(number), t, number.businessId)).remaining > 0;
          roomOf.set(number.businessId, room);
        }
        if (room && (await bumpAndPublish(c.id, c.run))) report.resumed++;
        continue;
      }
      const fingerprint = `${c.run}|${c.cursor}|${c.enqueued_count}|${JSON.stringify(c.skipped_by_reason)}`;
      const prev = seen.get(c.id);
      if (!prev || prev.fingerprint !== fingerprint) {
        seen.set(c.id, { fingerprint, since: t });
        continue;
      }
      if (t - prev.since >= (deps.orphanAfterMs ?? 30_000) && (await isCampaignIdle(deps.db, c.id))) {
        if (await bumpAndPublish(c.id, c.run)) report.orphans++;
        seen.delete(c.id);
      }
    }
    const live = new Set(running.map((c) => c.id));
    for (const id of seen.keys()) if (!live.has(id)) seen.delete(id);

    report.leftovers = await cancelLeftovers(t);
    return report;
  }

  async function publish(id: string, run: number): Promise<boolean> {
    try {
      await deps.publishTrigger(id, run);
      return true;
    } catch (err) {
      deps.log.warn({ err, campaign_id: id, run }, "campaign trigger publish failed");
      return false;
    }
  }

  /** A new run fences off any worker still holding the old trigger; only one replica wins the bump. */
  async function bumpAndPublish(id: string, run: number): Promise<boolean> {
    const r = await deps.db
      .updateTable("campaigns")
      .set({ run: run + 1, status_reason: null })
      .where("id", "=", id)
      .where("run", "=", run)
      .where("status", "=", "running")
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    deps.log.info({ campaign_id: id, run: run + 1 }, "campaign re-triggered");
    return publish(id, run + 1);
  }

  async function cancelLeftovers(t: number): Promise<number> {
    const rows = await deps.db
      .selectFrom("campaigns")
      .select("id")
      .where("status", "=", "cancelled")
      .where("cancelled_at", ">", new Date(t - DAY_MS))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("messages")
            .select("messages.id")
            .whereRef("messages.campaign_id", "=", "campaigns.id")
            .where("messages.status", "in", ["scheduled", "queued", "retrying"]),
        ),
      )
      .execute();
    let n = 0;
    for (const { id } of rows) {
      const cancelled = await cancelSendableMessages(deps.db, id, t);
      n += cancelled.length;
      await syncCampaignCounters(deps.db, id);
      if (cancelled.length > 0)
        await deps
          .onMessagesCancelled?.(cancelled)
          .catch((err: unknown) => deps.log.warn({ err }, "after-cancel hook failed"));
    }
    return n;
  }

  const stop = new AbortController();
  let loop: Promise<void> | null = null;
  const forever = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      try {
        await sweepOnce();
      } catch (err) {
        deps.log.warn({ err }, "campaign sweep failed");
      }
      await sleep(deps.intervalMs ?? 1000, undefined, { signal: stop.signal }).catch(() => {});
    }
  };
  return {
    sweepOnce,
    start: () => {
      loop ??= forever();
    },
    close: async () => {
      stop.abort();
      await loop;
    },
  };
}
