import { setTimeout as sleep } from "node:timers/promises";
import { recordCampaignMessageStatus } from "@wa/campaigns";
import { outboundEnvelope, verdict, type Handler, type MessageContext, type Verdict } from "@wa/bus";
import { explainMetaFailure, retryDecision, type MetaError } from "@wa/meta";
import { claim, heartbeat, release } from "./claim.js";
import { failureOf, markCancelled, markFailed, markRetrying, markSent, recordMetaOptOut } from "./outcome.js";
import { recheck } from "./recheck.js";
import { sendRow } from "./send.js";
import type { ClaimedRow, DeliveryDeps } from "./types.js";

class Aborted extends Error {}

/** Meta already accepted the message: losing that fact would mean a second send, so try harder. */
async function persistently(write: () => Promise<void>): Promise<void> {
  for (const pause of [100, 500, 2000]) {
    try {
      return await write();
    } catch {
      await sleep(pause);
    }
  }
  await write();
}

/**
 * The delivery consumer's handler: claim → re-check → tokens → Meta → sent | retry | failed.
 * Waiting (tokens, rate-limit answers) never spends an attempt: it extends the ack deadline instead.
 * `signal` aborts waits on shutdown; the row is then given back (`queued`) and the envelope nak'ed.
 */
export function createDeliveryHandler(d: DeliveryDeps, signal?: AbortSignal): Handler {
  const now = d.now ?? Date.now;
  const heartbeatMs = d.heartbeatMs ?? 10_000;
  const m = d.metrics;

  function keepAlive(ctx: MessageContext, row: ClaimedRow): () => void {
    let last = now();
    return () => {
      if (now() - last < heartbeatMs) return;
      last = now();
      ctx.working();
      heartbeat(d.db, row.id).catch((err: unknown) => d.log.warn({ err, message_id: row.id }, "heartbeat failed"));
    };
  }

  async function waitFor(ms: number, beat: () => void): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(left, heartbeatMs);
      await sleep(step, undefined, signal ? { signal } : {}).catch(() => {
        throw new Aborted();
      });
      left -= step;
      beat();
    }
  }

  async function tokens(row: ClaimedRow, beat: () => void): Promise<void> {
    let waiting = false;
    try {
      const waited = await d.limiter.acquire(d.phoneNumberId, row.customer_id, {
        ...(signal ? { signal } : {}),
        onWait: () => {
          if (!waiting) m?.ratelimitWaiting.inc();
          waiting = true;
          beat();
        },
      });
      // The limiter answers the longer of the two waits; a throughput wait is below a second.
      if (waited > 0) m?.ratelimitWait.observe({ scope: waited >= 1000 ? "pair" : "throughput" }, waited / 1000);
    } catch {
      throw new Aborted(); // acquire rejects only when the signal aborts
    } finally {
      if (waiting) m?.ratelimitWaiting.dec();
    }
  }

  async function fail(row: ClaimedRow, err: MetaError, reason: string): Promise<Verdict> {
    const { releasedSlot } = await markFailed(d.db, row, failureOf(err, reason));
    if (releasedSlot) await d.state.invalidate({ customerId: row.customer_id, channel: row.channel }).catch(() => {});
    await recordMetaOptOut(d.state, row, err);
    m?.messagesFailed.inc({ code: String(err.code ?? err.kind) });
    d.log.warn({ message_id: row.id, code: err.code, kind: err.kind, reason }, "message failed");
    return verdict.ack();
  }

  async function deliver(row: ClaimedRow, ctx: MessageContext, phase: { calledMeta: boolean }): Promise<Verdict> {
    const denied = recheck(row, now());
    if (denied) {
      await markCancelled(d.db, row, denied.reasonCode, denied.explanation);
      if (row.counts_toward_cap) await d.state.invalidate({ customerId: row.customer_id, channel: row.channel }).catch(() => {});
      d.log.info({ message_id: row.id, reason_code: denied.reasonCode }, "message cancelled at delivery");
      return verdict.ack();
    }
    const beat = keepAlive(ctx, row);
    let waits = 0;
    for (;;) {
      await tokens(row, beat);
      phase.calledMeta = true;
      const r = await sendRow(d.meta, row, d.phoneNumberId);
      if (r.ok) {
        const at = new Date(now());
        await persistently(() => markSent(d.db, row, r.value, d.phoneNumberId, at));
        // The campaign's counter moves once (a miss is repaired by the campaign sweeper's resync).
        if (row.campaign_id) await recordCampaignMessageStatus(d.db, row.campaign_id, "sending", "sent").catch(() => {});
        // last_outbound_at was written beside the status: drop the cached copies so readers see it.
        await d.state.invalidate({ customerId: row.customer_id, channel: row.channel }).catch(() => {});
        m?.messagesSent.inc({ category: row.category ?? "service" });
        if (row.queued_at) m?.deliveryLatency.observe(Math.max(0, at.getTime() - row.queued_at.getTime()) / 1000);
        return verdict.ack();
      }
      const err = r.error;
      m?.metaApiErrors.inc({ code: String(err.code ?? err.kind) });
      if (explainMetaFailure(err).category.startsWith("rate_limit_")) {
        waits += 1;
        const w = retryDecision(err, waits, d.retry);
        if (w.action === "fail") return fail(row, err, w.reason);
        d.log.info({ message_id: row.id, code: err.code, wait_ms: w.delayMs }, "rate limited by Meta: waiting");
        await waitFor(w.delayMs, beat);
        continue;
      }
      const x = retryDecision(err, row.attempts, d.retry);
      if (x.action === "fail") return fail(row, err, x.reason);
      if (ctx.isLastAttempt) return fail(row, err, `out of delivery attempts (${ctx.deliveryCount})`);
      await markRetrying(d.db, row, err);
      return verdict.retry(x.action === "retry" ? x.delayMs : 1000);
    }
  }

  return async (ctx) => {
    const { message_id } = ctx.json(outboundEnvelope); // the retry subject carries the same shape
    if (signal?.aborted) return verdict.retry(0); // draining: another worker takes it, no claim made
    const row = await claim(d.db, message_id);
    if (!row) return verdict.ack(); // sent, cancelled, scheduled, or another worker holds it
    m?.deliveryInFlight.inc();
    const phase = { calledMeta: false };
    try {
      return await deliver(row, ctx, phase);
    } catch (err) {
      if (err instanceof Aborted) {
        await release(d.db, row.id);
        return verdict.retry(0);
      }
      // A fault before Meta was called: hand the row back so the redelivery can claim it. After the call
      // the row stays `sending` (Meta may have it); the reconciler decides once it is stale.
      if (!phase.calledMeta) await release(d.db, row.id).catch(() => {});
      throw err;
    } finally {
      m?.deliveryInFlight.dec();
    }
  };
}
