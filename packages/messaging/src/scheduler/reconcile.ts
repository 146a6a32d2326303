import { moveCampaignCounters, writeAudit } from "@wa/db";
import { sql } from "kysely";
import { publishAll } from "./publish-all.js";
import type { SchedulerDeps } from "./types.js";

export interface ReconcileOptions {
  readonly stuckQueuedMs: number; // STUCK_QUEUED_SECS: a queued row this old may have missed its publish
  readonly stuckSendingMs: number; // a sending row this old lost its worker (workers heartbeat through the whole send)
  readonly maybeSentWaitMs?: number; // MAYBE_SENT_WAIT_SECS: how long a row that may be at Meta waits for its webhook; default 10 min
  readonly stuckRetryingMs: number; // a retrying row this old lost its nak'ed envelope
  readonly limit?: number; // rows per kind per pass, default 1000
}

async function pickStale(
  d: SchedulerDeps,
  o: ReconcileOptions,
  t: number,
  limit: number,
  exclude: readonly string[],
): Promise<string[]> {
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

/**
 * Kept between passes by one scheduler: stale rows republished last time that are still stale mean the workers
 * cannot take them (their Postgres is unreachable, say): republishing then backs off (doubling, up to a minute)
 * instead of flooding them with envelopes every period.
 */
export interface ReconcileMemory {
  lastStale: ReadonlySet<string>;
  backoffMs: number;
  nextStaleAt: number;
}

export function reconcileMemory(): ReconcileMemory {
  return { lastStale: new Set(), backoffMs: 0, nextStaleAt: 0 };
}

const MAX_STALE_BACKOFF_MS = 60_000;

export interface ReconcileReport {
  readonly republished: number;
  readonly requeued: number; // sending → queued (never called Meta, or Meta shown not to have it)
  readonly unconfirmed: number; // maybe sent, and no way to know: failed with SEND_UNCONFIRMED, not resent
}

const UNCONFIRMED_EXPLANATION = (secs: number) =>
  `The call to Meta ended without an answer and no status webhook for this message (or any other) arrived within ${secs} s, ` +
  "so it is unknown whether Meta took it. It was not sent again, to avoid a duplicate: check with the customer " +
  "(get_customer_context) and send it again with a new send if it did not arrive.";

/**
 * Rows that may be at Meta (meta_call_at set) and are still `sending` after the bounded wait: no `sent`/`failed`
 * webhook moved them. If a message whose call started after this one's has its `delivered` webhook (delivered_at is
 * written by webhooks only), or status webhooks kept arriving well after the call, ours would have come too: Meta
 * does not have it, so it goes out again. Without that evidence (webhooks not arriving at all) nobody can tell:
 * failed with SEND_UNCONFIRMED and an explanation, never resent automatically. Rare (a death mid-call), so the
 * look-ups may scan.
 */
async function settleMaybeSent(
  d: SchedulerDeps,
  waitMs: number,
  t: number,
  limit: number,
): Promise<{ requeued: string[]; unconfirmed: number }> {
  return d.db.transaction().execute(async (trx) => {
    const rows = await sql<{ id: string; campaign_id: string | null; meta_call_at: Date; evidence: boolean }>`
      SELECT m.id, m.campaign_id, m.meta_call_at,
        (EXISTS (SELECT 1 FROM messages n WHERE n.direction = 'outbound' AND n.meta_call_at > m.meta_call_at AND n.delivered_at IS NOT NULL)
         OR EXISTS (SELECT 1 FROM webhook_events e WHERE e.processed_at > m.meta_call_at + ${`${Math.round(waitMs / 2)} milliseconds`}::interval
                    AND e.kind = 'status')) AS evidence
      FROM messages m WHERE m.status = 'sending' AND m.meta_call_at < ${new Date(t - waitMs)}
      ORDER BY m.meta_call_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(trx);
    const requeued: string[] = [];
    let unconfirmed = 0;
    for (const r of rows.rows) {
      if (r.evidence) {
        await trx
          .updateTable("messages")
          .set({ status: "queued", meta_call_at: null, updated_at: sql`now()` })
          .where("id", "=", r.id)
          .execute();
        await writeAudit(trx, {
          actor: "system",
          action: "message.requeued",
          subjectType: "message",
          subjectId: r.id,
          details: {
            reason: `maybe sent, but no status webhook arrived within ${Math.round(waitMs / 1000)} s while other status webhooks did: Meta did not take it, so it is sent again`,
          },
        });
        requeued.push(r.id);
        continue;
      }
      const explanation = UNCONFIRMED_EXPLANATION(Math.round(waitMs / 1000));
      await trx
        .updateTable("messages")
        .set({
          status: "failed",
          failed_at: sql`now()`,
          status_reason: "SEND_UNCONFIRMED",
          error_explanation: explanation,
          updated_at: sql`now()`,
        })
        .where("id", "=", r.id)
        .execute();
      await writeAudit(trx, {
        actor: "system",
        action: "message.failed",
        subjectType: "message",
        subjectId: r.id,
        details: { reason_code: "SEND_UNCONFIRMED", explanation, meta_call_at: new Date(r.meta_call_at).toISOString() },
      });
      await moveCampaignCounters(trx, r.campaign_id, "sending", "failed");
      unconfirmed += 1;
    }
    return { requeued, unconfirmed };
  });
}

/**
 * Nothing is lost: queued rows whose publish failed (NATS down) are published again, rows left in `sending` by a
 * dead worker before it called Meta go back to `queued` and out again. Nothing is sent twice: a row whose call to
 * Meta had started (meta_call_at) is never requeued by age; its webhook settles it, or `settleMaybeSent` after
 * the bounded wait. Each pick bumps `updated_at` under SKIP LOCKED, so replicas split the work and a row is
 * looked at again only after another full period. While a number's sending is paused (account-level error),
 * stale rows are not republished: its workers hold what they have and the rest waits in Postgres.
 */
export async function reconcileOnce(
  d: SchedulerDeps,
  o: ReconcileOptions,
  mem: ReconcileMemory = reconcileMemory(),
): Promise<ReconcileReport> {
  const limit = o.limit ?? 1000;
  const t = (d.now ?? Date.now)();
  const requeued = await sql<{ id: string }>`
    UPDATE messages SET status = 'queued', updated_at = now()
    WHERE id IN (SELECT id FROM messages WHERE status = 'sending' AND sending_at < ${new Date(t - o.stuckSendingMs)} AND meta_call_at IS NULL
                 ORDER BY sending_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      AND status = 'sending' AND meta_call_at IS NULL
    RETURNING id`.execute(d.db);
  const maybe = await settleMaybeSent(d, o.maybeSentWaitMs ?? 10 * 60_000, t, limit);
  if (maybe.requeued.length)
    d.log.warn(
      { count: maybe.requeued.length },
      "maybe-sent rows settled as not sent (no webhook while others arrived): requeued",
    );
  if (maybe.unconfirmed)
    d.log.warn(
      { count: maybe.unconfirmed },
      "maybe-sent rows failed as SEND_UNCONFIRMED (no status webhooks arriving)",
    );
  const requeuedIds = [...requeued.rows.map((r) => r.id), ...maybe.requeued];
  if (requeued.rows.length) {
    await d.db
      .insertInto("audit_logs")
      .values(
        requeued.rows.map(({ id }) => ({
          actor: "system" as const,
          action: "message.requeued",
          subject_type: "message",
          subject_id: id,
          details: JSON.stringify({ reason: "stuck in sending: its worker stopped before it called Meta" }),
        })),
      )
      .execute();
    d.log.warn({ count: requeued.rows.length }, "rows stuck in sending requeued");
  }
  // A stale queued row is either waiting in a backlog (its envelope is in the stream: a copy would only
  // have to be claimed-and-dropped, and a long campaign backlog would fill the stream with them) or its
  // envelope is gone or held by a dead worker's pull. So stale rows are republished only when nothing is
  // waiting for a worker, with a fresh msgId (sent now, not after the 30 s ack wait; the claim makes a
  // second copy harmless). A lost publish during a backlog goes out once the backlog has drained.
  const paused = await d.db.selectFrom("sending_pauses").select("phone_number_id").limit(1).executeTakeFirst();
  const staleIds =
    !paused && t >= mem.nextStaleAt && (await backlog(d)) === 0 ? await pickStale(d, o, t, limit, requeuedIds) : [];
  if (staleIds.length) {
    const again = staleIds.some((id) => mem.lastStale.has(id));
    mem.backoffMs = again ? Math.min(MAX_STALE_BACKOFF_MS, Math.max(o.stuckQueuedMs, 2 * mem.backoffMs)) : 0;
    mem.nextStaleAt = t + mem.backoffMs;
    mem.lastStale = new Set(staleIds);
    if (again)
      d.log.warn(
        { count: staleIds.length, next_in_ms: mem.backoffMs },
        "stale rows still not taken after a republish: backing off",
      );
  }
  const [a, b] = await Promise.all([
    // Requeued rows need a fresh msgId: their first envelope was consumed inside the duplicate window.
    publishAll(d.js, d.names, requeuedIds, d.log, {
      msgId: (id) => `requeue:${id}:${t}`,
      timeoutMs: d.publishTimeoutMs,
    }),
    publishAll(d.js, d.names, staleIds, d.log, { msgId: (id) => `stale:${id}:${t}`, timeoutMs: d.publishTimeoutMs }),
  ]);
  if (staleIds.length) d.log.info({ count: staleIds.length }, "stale queued/retrying rows republished");
  return { republished: a + b, requeued: requeuedIds.length, unconfirmed: maybe.unconfirmed };
}
