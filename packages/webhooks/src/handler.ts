import { backoffMs, type Handler, verdict } from "@wa/bus";
import type { WebhookProcessor } from "./processor.js";

export const WEBHOOK_RETRY_MS: readonly number[] = [1000, 5000];

/**
 * The `webhook-processors` consumer handler: applies one raw body. Events that could not be applied yet
 * (a status before its message row has a wamid, a transient fault) make the body come back later; applied
 * ones are skipped then by the ledger. On the last attempt the leftovers are parked and the body is acked.
 */
export function createWebhookHandler(processor: WebhookProcessor, retryMs: readonly number[] = WEBHOOK_RETRY_MS): Handler {
  return async (ctx) => {
    const report = await processor.processBody(ctx.data, { final: ctx.isLastAttempt });
    return report.pending > 0 ? verdict.retry(backoffMs(ctx.deliveryCount, retryMs)) : verdict.ack();
  };
}
