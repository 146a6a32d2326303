import { setTimeout as sleep } from "node:timers/promises";
import { outboundEnvelope, verdict, type Handler, type MessageContext, type Verdict } from "@wa/bus";
import { coalesce } from "@wa/coalesce";
import { writeAudit } from "@wa/db";
import { explainMetaFailure, retryDecision, type MetaClient, type MetaError } from "@wa/meta";
import type { CustomerKey } from "@wa/state";
import { beginCallMany, claimMany, endCall, heartbeat, release } from "./claim.js";
import { createPauseGate } from "./gate.js";
import { singleSendingNumber } from "./numbers.js";
import { type Failure, failureOf, markCancelled, markFailed, markRetrying } from "./outcome.js";
import { isAccountLevel, pauseSending } from "./pause.js";
import { recheck } from "./recheck.js";
import { sendRow } from "./send.js";
import { createSentWriter } from "./sent-batch.js";
import type { ClaimedRow, DeliveryDeps } from "./types.js";

class Aborted extends Error {}

const PAUSED = Symbol("paused");

/** The number a row is sent from and the client holding its WABA's token. */
interface From {
  readonly id: string;
  readonly meta: MetaClient;
}

/** A row naming a number this deployment does not (or no longer) list: no token could send it. */
const notConfigured = (id: string): Failure => ({
  code: null,
  title: "Number not configured",
  details: `phone_number_id ${id}`,
  explanation: `The message names the business number ${id}, which is not in this deployment's accounts (accounts.yaml or META_PHONE_NUMBER_ID), so no token may send from it. Add the number to accounts.yaml, or send the message again from a listed number.`,
  reason: "NUMBER_NOT_CONFIGURED",
});

// Waits on a Meta-side outage (5xx, 131057 throughput upgrade): like a rate limit, no attempt is spent.
const SERVER_WAITS_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];
const PERSIST_PAUSES_MS = [100, 500, 2000, 5000, 10_000];

/** The request may have reached Meta although no answer came: a resend could deliver it twice. */
function mayHaveLanded(err: MetaError): boolean {
  if (err.kind === "timeout") return true;
  if (err.kind === "network") return !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|aborted by caller/.test(err.message);
  if (err.kind === "invalid_response") return err.httpStatus === null || err.httpStatus < 400 || err.httpStatus >= 500;
  return false;
}

/** Meta is down or busy for everyone (5xx, unreachable, 131057): wait it out instead of spending attempts. */
function isServerSide(err: MetaError): boolean {
  if (err.code === 131057) return true;
  if (err.kind === "network") return true; // only refused connections get here (mayHaveLanded took the rest)
  return explainMetaFailure(err).category === "transient" && (err.httpStatus ?? 0) >= 500;
}

/**
 * The delivery consumer's handler: pause gate → claim → re-check → tokens → fence → Meta → sent | wait | retry |
 * failed | maybe sent | paused. Waiting (tokens, rate limits, Meta outages, a paused number) never spends an
 * attempt: it extends the ack deadline instead. The claim is kept alive (heartbeat) through the whole send,
 * the Meta call and the markSent retries included. A call that may have reached Meta (timeout, cut connection,
 * death) leaves the row `sending` with meta_call_at set: it is never resent until the status webhook or the
 * reconciler's bounded wait has settled it. `signal` aborts waits on shutdown; the row is then given back.
 */
export function createDeliveryHandler(d: DeliveryDeps, signal?: AbortSignal): Handler {
  const now = d.now ?? Date.now;
  const heartbeatMs = d.heartbeatMs ?? 10_000;
  const persistMs = d.persistSentMs ?? 10 * 60_000;
  const m = d.metrics;
  const numbers = d.numbers ?? singleSendingNumber(d.meta, d.phoneNumberId);
  const gate = createPauseGate(d, numbers, signal);
  const parkedPerNumber = d.parkedPerNumber ?? 16;
  const parked = new Map<string, number>();
  // Under load many handlers claim, fence and write at once: each is one statement for all of them.
  const claim = coalesce((ids: readonly string[]) => claimMany(d.db, ids));
  const beginCall = coalesce((rows: readonly ClaimedRow[]) => beginCallMany(d.db, rows));
  const writeSent = createSentWriter(d.db);
  // The cache drop after `sent` is one Redis call for the drops that arrive together, as the write was one statement.
  const forgetSent = coalesce(async (keys: readonly CustomerKey[]) => {
    await d.state.invalidateMany(keys);
    return keys.map(() => undefined);
  });

  /**
   * Waits (tokens, a paused number, Meta busy) run outside the consumer's DELIVERY_CONCURRENCY slots, up to
   * `parkedPerNumber` messages per number: a saturated or paused number then cannot fill every slot and stall the
   * other numbers' messages behind it. The cap bounds what one worker holds (claimed rows, unacked envelopes:
   * a crash leaves no more for the reconciler and the ack wait); past it a message waits in its slot as before.
   */
  async function outside<T>(ctx: MessageContext, number: string, wait: () => Promise<T>): Promise<T> {
    const n = parked.get(number) ?? 0;
    if (!ctx.outsideSlot || n >= parkedPerNumber) return wait();
    parked.set(number, n + 1);
    try {
      return await ctx.outsideSlot(wait);
    } finally {
      const left = (parked.get(number) ?? 1) - 1;
      if (left > 0) parked.set(number, left);
      else parked.delete(number);
    }
  }
  const beatFailed = (err: unknown, id: string) => d.log.debug({ err, message_id: id }, "heartbeat failed");

  function keepAlive(ctx: MessageContext, row: ClaimedRow): () => void {
    let last = now();
    return () => {
      if (now() - last < heartbeatMs) return;
      last = now();
      ctx.working();
      heartbeat(d.db, row.id).catch((err: unknown) => beatFailed(err, row.id));
    };
  }

  /** Runs `work` while a timer keeps the envelope and the claim alive (the Meta call, the markSent retries). */
  async function alive<T>(ctx: MessageContext, row: ClaimedRow, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      ctx.working();
      heartbeat(d.db, row.id).catch((err: unknown) => beatFailed(err, row.id));
    }, heartbeatMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
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

  async function tokens(ctx: MessageContext, row: ClaimedRow, from: From, beat: () => void): Promise<void> {
    let waiting = false;
    try {
      // Per number: its own throughput bucket, and the pair bucket of (this number, this recipient).
      const waited = await outside(ctx, from.id, () =>
        d.limiter.acquire(from.id, row.customer_id, {
          ...(signal ? { signal } : {}),
          onWait: () => {
            if (!waiting) m?.ratelimitWaiting.inc();
            waiting = true;
            beat();
          },
        }),
      );
      // The limiter answers the longer of the two waits; a throughput wait is below a second.
      if (waited > 0) m?.ratelimitWait.observe({ scope: waited >= 1000 ? "pair" : "throughput" }, waited / 1000);
    } catch {
      throw new Aborted(); // acquire rejects only when the signal aborts
    } finally {
      if (waiting) m?.ratelimitWaiting.dec();
    }
  }

  /** Meta accepted it: losing that fact would mean a second send, so keep trying (and keep the claim) for long. */
  async function persistSent(row: ClaimedRow, write: () => Promise<void>): Promise<void> {
    const start = now();
    for (let i = 0; ; i += 1) {
      try {
        return await write();
      } catch (err) {
        // Given up: the row stays `sending` with meta_call_at set, and the `sent` webhook settles it.
        if (signal?.aborted || now() - start >= persistMs) throw err;
        if (i === 0)
          d.log.warn({ err, message_id: row.id }, "sent, but the outcome could not be written yet: retrying");
        await sleep(PERSIST_PAUSES_MS[Math.min(i, PERSIST_PAUSES_MS.length - 1)]!);
      }
    }
  }

  /**
   * Not at Meta (no call, or Meta answered no), but a write failed: give the row back so a redelivery can claim it.
   * Kept trying while Postgres is unreachable: a write whose commit landed but whose answer was lost (beginCall's
   * stamp, say) would otherwise leave a *maybe sent* row that waits MAYBE_SENT_WAIT_SECS for a webhook that
   * never comes, though this worker knows it never called Meta. The claim guard keeps a stale give-back harmless.
   */
  async function giveBack(row: ClaimedRow): Promise<void> {
    const start = now();
    for (let i = 0; ; i += 1) {
      try {
        return await release(d.db, row);
      } catch (err) {
        if (signal?.aborted || now() - start >= persistMs) {
          d.log.warn({ err, message_id: row.id }, "could not give the row back: the reconciler will take it");
          return;
        }
        await sleep(PERSIST_PAUSES_MS[Math.min(i, PERSIST_PAUSES_MS.length - 1)]!);
      }
    }
  }

  async function fail(row: ClaimedRow, err: MetaError, reason: string): Promise<Verdict> {
    const { releasedSlot, customerChanged } = await markFailed(d.db, row, failureOf(err, reason), now());
    if (releasedSlot || customerChanged)
      await d.state.invalidate({ customerId: row.customer_id, channel: row.channel }).catch(() => {});
    m?.messagesFailed.inc({ code: String(err.code ?? err.kind) });
    d.log.warn({ message_id: row.id, code: err.code, kind: err.kind, reason }, "message failed");
    return verdict.ack();
  }

  async function failUnknownNumber(row: ClaimedRow, id: string): Promise<Verdict> {
    const { releasedSlot } = await markFailed(d.db, row, notConfigured(id), now());
    if (releasedSlot) await d.state.invalidate({ customerId: row.customer_id, channel: row.channel }).catch(() => {});
    m?.messagesFailed.inc({ code: "NUMBER_NOT_CONFIGURED" });
    d.log.warn({ message_id: row.id, phone_number_id: id }, "message failed: its number is not configured");
    return verdict.ack();
  }

  /** An account-level error: an invalid token stops every number of its WABA, anything else only this number. */
  async function pause(from: From, err: MetaError): Promise<void> {
    const ids = explainMetaFailure(err).category === "auth" ? numbers.sharingToken(from.id) : [from.id];
    for (const id of ids) {
      if (await pauseSending(d.db, id, err, d.pauseProbeMs ?? 60_000)) {
        d.log.error(
          { code: err.code, phone_number_id: id },
          "account-level error: sending paused, messages stay queued",
        );
      }
    }
    gate.forget();
  }

  async function maybeSent(row: ClaimedRow, err: MetaError): Promise<Verdict> {
    d.log.warn(
      { message_id: row.id, kind: err.kind },
      "no answer from Meta: maybe sent, waiting for its status webhook",
    );
    await writeAudit(d.db, {
      actor: "system",
      action: "message.maybe_sent",
      subjectType: "message",
      subjectId: row.id,
      details: {
        kind: err.kind,
        error: err.message,
        explanation:
          "The call to Meta ended without an answer, so Meta may have the message. It is not sent again until its status webhook (or the reconciler's bounded wait) settles whether Meta took it.",
      },
    }).catch(() => {});
    return verdict.ack();
  }

  async function deliver(
    row: ClaimedRow,
    from: From,
    ctx: MessageContext,
    phase: { maybeSent: boolean },
  ): Promise<Verdict | typeof PAUSED> {
    const denied = recheck(row, now());
    if (denied) {
      await markCancelled(
        d.db,
        row,
        denied.reason_code,
        `${denied.human_explanation} (Checked again at delivery; the message was not sent.)`,
      );
      if (row.counts_toward_cap)
        await d.state.invalidate({ customerId: row.customer_id, channel: row.channel }).catch(() => {});
      d.log.info({ message_id: row.id, reason_code: denied.reason_code }, "message cancelled at delivery");
      return verdict.ack();
    }
    const beat = keepAlive(ctx, row);
    let waits = 0;
    for (;;) {
      await tokens(ctx, row, from, beat);
      if (!(await beginCall(row))) {
        d.log.warn({ message_id: row.id }, "claim lost before the call to Meta (requeued meanwhile): not sending");
        return verdict.ack();
      }
      phase.maybeSent = true;
      const r = await alive(ctx, row, () => sendRow(from.meta, row, from.id));
      if (r.ok) {
        const at = new Date(now());
        await alive(ctx, row, () => persistSent(row, () => writeSent(row, r.value, from.id, at)));
        // last_outbound_at was written beside the status: drop the cached copies so readers see it.
        await forgetSent({ customerId: row.customer_id, channel: row.channel, phoneNumberId: from.id }).catch(() => {});
        m?.messagesSent.inc({ category: row.category ?? "service" });
        if (row.queued_at) m?.deliveryLatency.observe(Math.max(0, at.getTime() - row.queued_at.getTime()) / 1000);
        return verdict.ack();
      }
      const err = r.error;
      m?.metaApiErrors.inc({ code: String(err.code ?? err.kind) });
      if (mayHaveLanded(err)) return maybeSent(row, err);
      phase.maybeSent = false; // Meta answered no: it does not have the message
      if (isAccountLevel(err)) {
        await pause(from, err);
        await release(d.db, row);
        return PAUSED;
      }
      const rateLimited = explainMetaFailure(err).category.startsWith("rate_limit_");
      if (rateLimited || (isServerSide(err) && waits < (d.retry?.maxWaits ?? 10))) {
        waits += 1;
        let delayMs: number;
        if (rateLimited) {
          const w = retryDecision(err, waits, d.retry);
          if (w.action === "fail") return fail(row, err, w.reason);
          delayMs = w.delayMs;
        } else {
          delayMs = SERVER_WAITS_MS[Math.min(waits, SERVER_WAITS_MS.length) - 1]!;
        }
        await endCall(d.db, row);
        d.log.info(
          { message_id: row.id, code: err.code, kind: err.kind, wait_ms: delayMs },
          "Meta busy or rate limited: waiting",
        );
        await outside(ctx, from.id, () => waitFor(delayMs, beat));
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
    let number: string | undefined; // known once a claim has shown the row's number
    for (;;) {
      if (signal?.aborted) return verdict.retry(0); // draining: another worker takes it, no claim made
      const held = number; // narrowed for the closure
      if (held !== undefined && !(await outside(ctx, held, () => gate.waitOpen(ctx, held)))) return verdict.retry(0);
      const row = await claim(message_id);
      if (!row) return verdict.ack(); // sent, cancelled, scheduled, or another worker holds it
      number = row.phone_number_id ?? numbers.defaultNumber; // NULL: the default number
      m?.deliveryInFlight.inc();
      const phase = { maybeSent: false };
      try {
        const meta = numbers.clientOf(number);
        if (!meta) return await failUnknownNumber(row, number);
        // The envelope carries no number, so the pause is checked after the claim (against a shared copy).
        if (await gate.paused(number)) {
          await giveBack(row);
          continue;
        }
        const v = await deliver(row, { id: number, meta }, ctx, phase);
        if (v !== PAUSED) return v;
      } catch (err) {
        // Not maybe sent (no call, or Meta answered no): hand the row back so a redelivery can claim it. A row
        // that may be at Meta stays `sending`: its status webhook, or the reconciler's bounded wait, decides.
        if (!phase.maybeSent) await alive(ctx, row, () => giveBack(row));
        if (err instanceof Aborted) return verdict.retry(0);
        throw err;
      } finally {
        m?.deliveryInFlight.dec();
      }
    }
  };
}
