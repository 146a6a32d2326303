import type { MockLog } from "../options.js";
import type { MockState } from "../state.js";
import { encodeMetaJson } from "./encode.js";
import { buildEnvelopes, type WebhookEvent } from "./envelopes.js";
import type { PlannedStatus } from "./lifecycle.js";
import { createPoster, type WebhookStats } from "./poster.js";
import { createScheduler } from "./scheduler.js";

export interface Webhooks {
  statuses(phoneId: string, plan: readonly PlannedStatus[]): void;
  inbound(phoneId: string, items: readonly { contact: object; message: object }[]): void;
  waba(wabaId: string, field: string, value: object, delayMs: number): void;
  stats(): WebhookStats & { scheduled: number };
  idle(): boolean;
  clear(): void;
  close(): Promise<void>;
}

/**
 * Schedules webhook events, batches the ones due together into envelopes, encodes, signs and posts them. Each
 * envelope is about one WABA and is signed with the app secret of that WABA's account.
 */
export function createWebhooks(state: MockState, log: MockLog): Webhooks {
  const poster = createPoster(
    () => ({
      targetUrl: state.knobs.webhook_target_url,
      retryDelaysMs: state.knobs.webhook_retry_delays_ms,
      concurrency: state.knobs.webhook_concurrency,
      timeoutMs: state.knobs.webhook_timeout_ms,
    }),
    log,
  );
  const phoneMeta = (id: string) => state.phones.get(id);
  const scheduler = createScheduler<WebhookEvent>((events) => {
    for (const env of buildEnvelopes(events, state.knobs.webhook_max_batch, phoneMeta)) {
      const secret = state.accounts.get(env.wabaId)?.appSecret;
      if (secret !== undefined) poster.post(encodeMetaJson(env.payload), env.events, secret);
    }
  });
  const enabled = (): boolean => state.knobs.webhook_target_url !== null;

  return {
    statuses(phoneId, plan) {
      if (!enabled()) return;
      const t = Date.now();
      for (const p of plan) scheduler.at(t + p.delayMs, { kind: "status", phoneId, status: p.status });
    },
    inbound(phoneId, items) {
      if (!enabled()) return;
      const t = Date.now();
      for (const i of items) scheduler.at(t, { kind: "message", phoneId, contact: i.contact, message: i.message });
    },
    waba(wabaId, field, value, delayMs) {
      if (!enabled()) return;
      const time = Math.floor((state.now() + delayMs) / 1000);
      scheduler.at(Date.now() + delayMs, { kind: "waba", wabaId, field, value, time });
    },
    stats: () => ({ ...poster.stats(), scheduled: scheduler.size }),
    idle: () => scheduler.size === 0 && poster.idle(),
    clear() {
      scheduler.clear();
      poster.clear();
    },
    async close() {
      scheduler.clear();
      await poster.close();
    },
  };
}
