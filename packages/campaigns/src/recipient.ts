import type { ButtonPart, HeaderPart, Variables } from "@wa/compliance";
import type { SkipReason } from "./skip-reasons.js";

/** One campaign message to enqueue through the one send path. */
export interface CampaignSend {
  readonly campaignId: string;
  readonly channel: string; // the business's channel: its customers, consent and caps
  readonly phoneNumberId: string; // the number it is sent from: the 24 h window is with it
  readonly customerId: string;
  readonly category: "marketing" | "utility";
  readonly templateName: string;
  readonly locale: string;
  readonly variables: Variables | null;
  readonly header: HeaderPart | null;
  readonly buttons: readonly ButtonPart[] | null;
  readonly idempotencyKey: string; // campaign:<id>:<customer_id>: a replayed page enqueues nothing twice
}

/** What happened to one recipient. `halt` = the campaign itself cannot send (template): stop and pause. */
export type RecipientOutcome =
  | { readonly kind: "enqueued"; readonly messageId: string; readonly held: boolean; readonly created: boolean }
  | { readonly kind: "skipped"; readonly reason: SkipReason; readonly reasonCode: string }
  | { readonly kind: "halt"; readonly reasonCode: string; readonly explanation: string };

/** One recipient through a single-message send path (e.g. @wa/messaging's enqueueOutbound). Faults throw. */
export type EnqueueRecipient = (send: CampaignSend) => Promise<RecipientOutcome>;

/**
 * The port the fan-out sends a page through, in audience order. It reports the handled prefix and why it
 * stopped early (a halt, or a fault); recipients after the prefix are replayed later, so everything it
 * wrote must be idempotent by `idempotencyKey`. `onProgress` extends the trigger's ack deadline.
 */
export type EnqueueBatch = (sends: readonly CampaignSend[], onProgress: () => void) => Promise<PageOutcome>;

export interface PageOutcome {
  readonly handled: readonly RecipientOutcome[];
  readonly stop:
    | { readonly kind: "halt"; readonly outcome: Extract<RecipientOutcome, { kind: "halt" }> }
    | { readonly kind: "fault"; readonly error: unknown }
    | null;
}

export function idempotencyKeyFor(campaignId: string, customerId: string): string {
  return `campaign:${campaignId}:${customerId}`;
}
