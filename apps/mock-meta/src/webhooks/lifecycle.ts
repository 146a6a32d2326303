import { webhookError } from "../error-catalog.js";
import type { MockKnobs } from "../knobs.js";
import type { Random } from "../prng.js";

export interface Pricing {
  readonly billable: boolean;
  readonly pricing_model: "PMP";
  readonly type: "regular" | "free_customer_service";
  readonly category: string;
}

export interface AcceptedMessage {
  readonly wamid: string;
  readonly recipientId: string; // "" when addressed to a BSUID
  readonly recipientUserId?: string;
  readonly bizOpaque?: string;
  readonly pricing: Pricing;
  readonly acceptedAt: number; // ms, injected clock
  readonly asyncFailure?: { readonly code: number; readonly afterSent: boolean };
}

export interface PlannedStatus {
  readonly delayMs: number;
  readonly status: object;
}

/** Meta's pricing for a message (meta-api.md §10.3): service/free in the window, template categories otherwise. */
export function pricingFor(templateCategory: string | null, windowOpen: boolean): Pricing {
  if (templateCategory === null) {
    return { billable: false, pricing_model: "PMP", type: "free_customer_service", category: "service" };
  }
  const category = templateCategory.toLowerCase();
  const free = category === "utility" && windowOpen;
  return { billable: !free, pricing_model: "PMP", type: free ? "free_customer_service" : "regular", category };
}

type Kind = "sent" | "delivered" | "read" | "failed";

/** Plans the status webhooks of one accepted message; drops, read-without-delivered, duplicates and reordering follow the knobs. */
export function planStatuses(m: AcceptedMessage, k: MockKnobs, random: Random): PlannedStatus[] {
  const d = k.webhook_delays_ms;
  const jitter = (): number => (k.webhook_jitter_ms > 0 ? Math.floor(random() * k.webhook_jitter_ms) : 0);
  const steps: { kind: Kind; at: number; pricing: boolean; code?: number }[] = [];
  const failure = m.asyncFailure;
  if (failure !== undefined && !failure.afterSent)
    steps.push({ kind: "failed", at: d.sent, pricing: false, code: failure.code });
  else {
    steps.push({ kind: "sent", at: d.sent + jitter(), pricing: true });
    if (failure !== undefined)
      steps.push({ kind: "failed", at: d.delivered + jitter(), pricing: false, code: failure.code });
    else {
      const skipDelivered = random() < k.read_without_delivered_rate;
      if (!skipDelivered) steps.push({ kind: "delivered", at: d.delivered + jitter(), pricing: true });
      steps.push({ kind: "read", at: d.read + jitter(), pricing: skipDelivered });
    }
  }
  const timestamps = steps.map((s) => Math.floor((m.acceptedAt + s.at) / 1000));
  if (k.reorder) {
    const times = steps.map((s) => s.at);
    for (let i = times.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const a = times[i];
      const b = times[j];
      if (a !== undefined && b !== undefined) [times[i], times[j]] = [b, a];
    }
    steps.forEach((s, i) => (s.at = times[i] ?? s.at));
  }
  const out: PlannedStatus[] = [];
  steps.forEach((s, i) => {
    if (s.kind !== "failed" && random() < k.drop_rates[s.kind]) return;
    const status = statusObject(m, s.kind, timestamps[i] ?? 0, s.pricing, s.code);
    out.push({ delayMs: s.at, status });
    if (k.duplicate_rate > 0 && random() < k.duplicate_rate) out.push({ delayMs: s.at + d.sent + jitter(), status });
  });
  return out;
}

function statusObject(m: AcceptedMessage, kind: Kind, ts: number, pricing: boolean, code?: number): object {
  return {
    id: m.wamid,
    status: kind,
    timestamp: String(ts),
    recipient_id: m.recipientId,
    ...(m.recipientUserId === undefined ? {} : { recipient_user_id: m.recipientUserId }),
    ...(m.bizOpaque === undefined ? {} : { biz_opaque_callback_data: m.bizOpaque }),
    ...(pricing ? { pricing: m.pricing } : {}),
    ...(code === undefined ? {} : { errors: [webhookError(code)] }),
  };
}
