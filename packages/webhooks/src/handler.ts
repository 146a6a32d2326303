import { backoffMs, type Handler, verdict } from "@wa/bus";
import type { WebhookProcessor } from "./processor.js";

/** Redelivery delays while events are deferred or failing: 1 s, then 5 s. */
const WEBHOOK_RETRY_MS: readonly number[] = [1000, 5000];
/** Attempts (that reached Postgres) before deferred or failing events are parked: about 41 s with the delays above. */
const WEBHOOK_PARK_AFTER = 10;
const MAX_TRACKED = 100_000;

export interface WebhookHandlerOptions {
  readonly retryMs?: readonly number[];
  readonly parkAfter?: number;
}

/**
 * The `webhook-processors` consumer handler: applies one raw body and never drops it. Events that could not be
 * applied yet (a status before its message row exists, a failing event) make the body come back; applied ones
 * are skipped then by the ledger. Only attempts that reached Postgres count towards parking (counted per process
 * by stream sequence, so a restart or another replica only adds attempts): during an outage the handler throws
 * the fault instead, and the consumer (unlimited deliveries, OUTAGE_BACKOFF_MS) retries it for as long as it
 * takes and logs the outage once.
 */
export function createWebhookHandler(processor: WebhookProcessor, opts: WebhookHandlerOptions = {}): Handler {
  const retryMs = opts.retryMs ?? WEBHOOK_RETRY_MS;
  const parkAfter = opts.parkAfter ?? WEBHOOK_PARK_AFTER;
  const tries = new Map<number, number>();
  return async (ctx) => {
    const attempt = (tries.get(ctx.seq) ?? 0) + 1;
    const report = await processor.processBody(ctx.data, { final: attempt >= parkAfter });
    if (report.outcomes.unavailable > 0) throw report.fault ?? new Error("postgres unavailable");
    tries.delete(ctx.seq);
    if (report.pending === 0) return verdict.ack();
    tries.set(ctx.seq, attempt);
    if (tries.size > MAX_TRACKED) tries.delete(tries.keys().next().value!);
    return verdict.retry(backoffMs(attempt, retryMs));
  };
}
