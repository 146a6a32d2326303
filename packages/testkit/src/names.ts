import { randomBytes } from "node:crypto";

let calls = 0;

/**
 * A short id unique to this process and call, safe in DB, stream, subject and key names. The per-process count
 * makes calls in the same millisecond differ (24 random bits alone collided about once in 30 runs of 1,000).
 */
export function uniqueId(prefix = "t"): string {
  calls += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${calls.toString(36)}${randomBytes(2).toString("hex")}`;
}

export const TEST_DATABASE_ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** Stream, consumer and subject names for one test file, so files can run side by side. */
export function busNames(id = uniqueId("bus")): {
  NATS_SUBJECT_PREFIX: string;
  DELIVERY_STREAM: string;
  DELIVERY_CONSUMER: string;
  CAMPAIGN_STREAM: string;
  CAMPAIGN_CONSUMER: string;
  WEBHOOK_STREAM: string;
  WEBHOOK_CONSUMER: string;
} {
  const tag = id.replace(/[^A-Za-z0-9_]/g, "_");
  return {
    NATS_SUBJECT_PREFIX: `${tag}.`,
    DELIVERY_STREAM: `${tag}_DELIVERY`,
    DELIVERY_CONSUMER: `${tag}_delivery-workers`,
    CAMPAIGN_STREAM: `${tag}_CAMPAIGN`,
    CAMPAIGN_CONSUMER: `${tag}_campaign-workers`,
    WEBHOOK_STREAM: `${tag}_WEBHOOKS`,
    WEBHOOK_CONSUMER: `${tag}_webhook-processors`,
  };
}

/** A Redis key prefix for one test file. */
export function redisPrefix(id = uniqueId("r")): string {
  return `${id}:`;
}

/** Deletes a test file's three streams (missing ones are fine); pass the JetStream manager of any open bus. */
export async function dropStreams(
  jsm: { streams: { delete(name: string): Promise<boolean> } } | undefined,
  names: Pick<ReturnType<typeof busNames>, "DELIVERY_STREAM" | "CAMPAIGN_STREAM" | "WEBHOOK_STREAM">,
): Promise<void> {
  if (!jsm) return;
  for (const s of [names.DELIVERY_STREAM, names.CAMPAIGN_STREAM, names.WEBHOOK_STREAM])
    await jsm.streams.delete(s).catch(() => false);
}
