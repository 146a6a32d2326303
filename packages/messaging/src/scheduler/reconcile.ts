import { sql } from "kysely";
import { publishAll } from "./publish-all.js";
import type { SchedulerDeps } from "./types.js";

export interface ReconcileOptions {
  readonly stuckQueuedMs: number; // STUCK_QUEUED_SECS: a queued row this old may have missed its publish
  readonly stuckSendingMs: number; // a sending row this old lost its worker (workers heartbeat while waiting)
  readonly stuckRetryingMs: number; // a retrying row this old lost its nak'ed envelope
  readonly limit?: number; // rows per kind per pass, default 1000
}

async function pickStale(d: SchedulerDeps, o: ReconcileOptions, t: number, limit: number, exclude: readonly string[]): Promise<string[]> {
  const stale = await sql<{ id: string }>`
    UPDATE messages SET updated_at = now()
    WHERE id IN (SELECT id FROM messages
                 WHERE (status = 'queued' AND updated_at < ${new Date(t - o.stuckQueuedMs)})
                    OR (status = 'retrying' AND updated_at < ${new Date(t - o.stuckRetryingMs)})
                 ORDER BY updated_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id`.execute(d.db);
  return stale.rows.map((r) => r.id).filter((id) => !exclude.includes(id));
}

/** Envelopes not yet handed to any worker; unknown (NATS trouble) counts as a backlog. */
async function backlog(d: SchedulerDeps): Promise<number> {
  try {
    const c = await d.js.consumers.get(d.names.DELIVERY_STREAM, d.names.DELIVERY_CONSUMER);
    return (await c.info(true)).num_pending;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export interface ReconcileReport {
  readonly republished: number;
  readonly requeued: number; // sending → queued
}

/**
 * Nothing is lost: queued rows whose publish failed (NATS down) are published again, rows left in
 * `sending` by a dead worker go back to `queued` and out again. Each pick bumps `updated_at` under
 * SKIP LOCKED, so replicas split the work and a row is looked at again only after another full period.
 */
export async function reconcileOnce(d: SchedulerDeps, o: ReconcileOptions): Promise<ReconcileReport> {
  const limit = o.limit ?? 1000;
  const t = (d.now ?? Date.now)();
  const requeued = await sql<{ id: string }>`
    UPDATE messages SET status = 'queued', updated_at = now()
    WHERE id IN (SELECT id FROM messages WHERE status = 'sending' AND sending_at < ${new Date(t - o.stuckSendingMs)}
                 ORDER BY sending_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      AND status = 'sending'
    RETURNING id`.execute(d.db);
  const requeuedIds = requeued.rows.map((r) => r.id);
  if (requeuedIds.length) {
    await d.db.insertInto("audit_logs").values(requeuedIds.map((id) => ({
      actor: "system" as const, action: "message.requeued", subject_type: "message", subject_id: id,
      details: JSON.stringify({ reason: "stuck in sending: its worker stopped before recording the outcome" }),
    }))).execute();
    d.log.warn({ count: requeuedIds.length }, "rows stuck in sending requeued");
  }
  // A stale queued row is either waiting in a backlog (its envelope is in the stream: a copy would only
  // have to be claimed-and-dropped, and a long campaign backlog would fill the stream with them) or its
  // envelope is gone or held by a dead worker's pull. So stale rows are republished only when nothing is
  // waiting for a worker, with a fresh msgId (sent now, not after the 30 s ack wait; the claim makes a
  // second copy harmless). A lost publish during a backlog goes out once the backlog has drained.
  const staleIds = (await backlog(d)) === 0 ? await pickStale(d, o, t, limit, requeuedIds) : [];
  const [a, b] = await Promise.all([
    // Requeued rows need a fresh msgId: their first envelope was consumed inside the duplicate window.
    publishAll(d.js, d.names, requeuedIds, d.log, { msgId: (id) => `requeue:${id}:${t}`, timeoutMs: d.publishTimeoutMs }),
    publishAll(d.js, d.names, staleIds, d.log, { msgId: (id) => `stale:${id}:${t}`, timeoutMs: d.publishTimeoutMs }),
  ]);
  if (staleIds.length) d.log.info({ count: staleIds.length }, "stale queued/retrying rows republished");
  return { republished: a + b, requeued: requeuedIds.length };
}
