import { readFileSync } from "node:fs";
import { createDb, type Db } from "@wa/db";
import { createLogger, type Logger } from "@wa/observability";
import { clearRedisPrefix, redisPrefix, TEST_REDIS_URL } from "@wa/testkit";
import { Redis } from "ioredis";
import pg from "pg";
import { sql } from "kysely";
import { createWebhookProcessor, type WebhookProcessorOptions } from "../src/index.js";

export const log: Logger = createLogger({ service: "webhooks-test", level: "silent" });
const WABA = "200000000000001";
export const PHONE_ID = "100000000000001";

export interface Harness {
  db: Db;
  redis: Redis;
  prefix: string;
  processor: ReturnType<typeof createWebhookProcessor>;
  close(): Promise<void>;
}

/** `prepared`: statuses through a pg Pool as named prepared statements (what apps/webhook-processor does). */
export function harness(url: string, over: Partial<WebhookProcessorOptions> = {}, prepared = true): Harness {
  const db = createDb(url, { max: 8 });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = redisPrefix();
  const pool = prepared ? new pg.Pool({ connectionString: url, max: 4 }) : undefined;
  pool?.on("error", () => {});
  const processor = createWebhookProcessor({ db, redis, keyPrefix: prefix, log, pool, ...over });
  return {
    db,
    redis,
    prefix,
    processor,
    async close() {
      await pool?.end();
      await clearRedisPrefix(redis, prefix).catch(() => {});
      await redis.quit();
      await db.destroy();
    },
  };
}

export function fixture(name: string): string {
  return readFileSync(new URL(`../../meta/test/fixtures/${name}.json`, import.meta.url), "utf8");
}

export function envelope(field: string, value: Record<string, unknown>, time?: number): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: WABA, ...(time ? { time } : {}), changes: [{ field, value }] }],
  });
}

const metadata = { display_phone_number: "15550001111", phone_number_id: PHONE_ID };

export interface StatusSpec {
  id: string;
  status: string;
  ts: number; // unix seconds
  biz?: string;
  recipient?: string;
  pricing?: boolean;
  errors?: Array<{ code: number; title?: string; error_data?: { details: string } }>;
}

export function statusesBody(list: StatusSpec[]): string {
  return envelope("messages", {
    messaging_product: "whatsapp",
    metadata,
    statuses: list.map((s) => ({
      id: s.id,
      status: s.status,
      timestamp: String(s.ts),
      recipient_id: s.recipient ?? "6281234567890",
      ...(s.biz ? { biz_opaque_callback_data: s.biz } : {}),
      ...(s.pricing
        ? { pricing: { billable: true, pricing_model: "PMP", type: "regular", category: "marketing" } }
        : {}),
      ...(s.errors ? { errors: s.errors } : {}),
    })),
  });
}

export interface InboundSpec {
  from: string;
  id: string;
  ts: number;
  text?: string;
  type?: string;
  extra?: Record<string, unknown>;
  name?: string;
}

export function inboundBody(list: InboundSpec[]): string {
  return envelope("messages", {
    messaging_product: "whatsapp",
    metadata,
    contacts: [...new Map(list.map((m) => [m.from, { profile: { name: m.name ?? "Ann" }, wa_id: m.from }])).values()],
    messages: list.map((m) => ({
      from: m.from,
      id: m.id,
      timestamp: String(m.ts),
      type: m.type ?? "text",
      ...(m.text !== undefined ? { text: { body: m.text } } : {}),
      ...m.extra,
    })),
  });
}

/** An outbound message as the delivery worker leaves it after Meta accepted it. */
export async function outbound(
  db: Db,
  o: {
    customerId: string;
    wamid: string | null;
    status?: "sent" | "sending" | "queued";
    campaignId?: string;
    sentAt?: Date;
    /** The number it was sent from (PHONE_ID unless given). */
    phoneNumberId?: string;
    /** The customer's channel (the column's default unless given). */
    channel?: string;
  },
): Promise<string> {
  await db
    .insertInto("customers")
    .values({ customer_id: o.customerId, ...(o.channel ? { channel: o.channel } : {}) })
    .onConflict((oc) => oc.columns(["channel", "customer_id"]).doNothing())
    .execute();
  const row = await db
    .insertInto("messages")
    .values({
      customer_id: o.customerId,
      direction: "outbound",
      category: "marketing",
      kind: "template",
      content: "{}",
      status: o.status ?? "sent",
      wamid: o.wamid,
      campaign_id: o.campaignId ?? null,
      sent_at: o.sentAt ?? null,
      phone_number_id: o.phoneNumberId ?? PHONE_ID,
      template_name: "promo",
      template_locale: "en",
      error_code: null,
      error_title: null,
      error_details: null,
      error_explanation: null,
      status_reason: null,
      deliver_at: null,
      idempotency_key: null,
      request_hash: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export const messageRow = (db: Db, id: string) =>
  db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

export async function auditCount(db: Db, action: string): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_logs WHERE action = ${action}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

export { sql };

/** Columns a campaigns insert must name (nullable ones included). */
export const CAMPAIGN_DEFAULTS = { variables: null, audience_filter: "{}", status_reason: null, cursor: null } as const;
