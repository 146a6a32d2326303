import { createHash } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import {
  campaignTriggerEnvelope,
  encodeEnvelope,
  outboundEnvelope,
  retryEnvelope,
  WEBHOOK_RECEIVED_AT_HEADER,
  type CampaignTriggerEnvelope,
  type OutboundEnvelope,
  type RetryEnvelope,
} from "./envelopes.js";
import { BusError } from "./errors.js";
import { busSubjects, type BusNames } from "./names.js";

/** Short on purpose: callers fall back to Postgres (the reconciler republishes) instead of hanging. */
const DEFAULT_PUBLISH_TIMEOUT_MS = 2000;

export type PublishOptions = {
  readonly msgId: string; // Nats-Msg-Id: a republish inside the stream's duplicate window is dropped
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
};
export type PublishResult = { readonly duplicate: boolean; readonly seq: number };
export type TypedPublishOptions = { readonly msgId?: string; readonly timeoutMs?: number };

/** Publishes and waits for the stream's ack; any failure (timeout, no stream, closed) is BusError PUBLISH_FAILED. */
export async function publish(
  js: JetStreamClient,
  subject: string,
  payload: Uint8Array | string,
  opts: PublishOptions,
): Promise<PublishResult> {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
  try {
    const ack = await js.publish(subject, payload, {
      msgID: opts.msgId,
      headers: h,
      timeout: opts.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
    });
    return { duplicate: ack.duplicate, seq: ack.seq };
  } catch (err) {
    throw new BusError("PUBLISH_FAILED", `publish to ${subject} failed`, { cause: err });
  }
}

export async function publishOutbound(
  js: JetStreamClient,
  names: BusNames,
  env: OutboundEnvelope,
  opts: TypedPublishOptions = {},
): Promise<PublishResult> {
  const data = encodeEnvelope(outboundEnvelope, env);
  return publish(js, busSubjects(names).outbound, data, {
    msgId: opts.msgId ?? env.message_id,
    timeoutMs: opts.timeoutMs,
  });
}

// Same stream as outbound, so the default id must differ from the outbound one or it would be deduped.
export async function publishRetry(
  js: JetStreamClient,
  names: BusNames,
  env: RetryEnvelope,
  opts: TypedPublishOptions = {},
): Promise<PublishResult> {
  const data = encodeEnvelope(retryEnvelope, env);
  return publish(js, busSubjects(names).retry, data, {
    msgId: opts.msgId ?? `retry:${env.message_id}`,
    timeoutMs: opts.timeoutMs,
  });
}

export async function publishCampaignTrigger(
  js: JetStreamClient,
  names: BusNames,
  env: CampaignTriggerEnvelope,
  opts: TypedPublishOptions = {},
): Promise<PublishResult> {
  const data = encodeEnvelope(campaignTriggerEnvelope, env);
  const msgId = opts.msgId ?? `${env.campaign_id}:${env.run}`;
  return publish(js, busSubjects(names).campaignTrigger, data, { msgId, timeoutMs: opts.timeoutMs });
}

export type WebhookPublishOptions = { readonly receivedAt: number; readonly timeoutMs?: number };

/** Publishes Meta's raw body bytes unchanged; Nats-Msg-Id = sha256(body) so a re-POST is deduped. */
export async function publishWebhookBody(
  js: JetStreamClient,
  names: BusNames,
  body: Uint8Array,
  opts: WebhookPublishOptions,
): Promise<PublishResult> {
  return publish(js, busSubjects(names).webhookEvents, body, {
    msgId: webhookMsgId(body),
    headers: { [WEBHOOK_RECEIVED_AT_HEADER]: String(opts.receivedAt) },
    timeoutMs: opts.timeoutMs,
  });
}

function webhookMsgId(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}
