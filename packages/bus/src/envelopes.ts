import { z } from "zod";
import { BusError } from "./errors.js";

// Envelopes carry ids only: the Postgres row is the truth.
export const outboundEnvelope = z.object({ message_id: z.uuid() });
export const retryEnvelope = z.object({ message_id: z.uuid() });
export const campaignTriggerEnvelope = z.object({ campaign_id: z.uuid(), run: z.number().int().min(0) });

export type OutboundEnvelope = z.infer<typeof outboundEnvelope>;
export type RetryEnvelope = z.infer<typeof retryEnvelope>;
export type CampaignTriggerEnvelope = z.infer<typeof campaignTriggerEnvelope>;

/** Header on webhook events: when the receiver got the POST, in epoch ms. */
export const WEBHOOK_RECEIVED_AT_HEADER = "Wa-Received-At";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEnvelope<S extends z.ZodType>(schema: S, value: z.input<S>): Uint8Array {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BusError("BAD_ENVELOPE", `invalid envelope: ${z.prettifyError(parsed.error)}`);
  return encoder.encode(JSON.stringify(parsed.data));
}

/** Parses JSON bytes against a schema; throws BusError BAD_ENVELOPE (never retried by runConsumer). */
export function decodeEnvelope<S extends z.ZodType>(schema: S, data: Uint8Array): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new BusError("BAD_ENVELOPE", "envelope is not JSON", { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BusError("BAD_ENVELOPE", `invalid envelope: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
