import { connectBus, ensureTopology, type Bus, type BusNames } from "@wa/bus";
import { createCompliance, type Compliance } from "@wa/compliance";
import { createDb, type Db } from "@wa/db";
import { createRedis } from "@wa/ratelimit";
import { createStateStore, type StateStore } from "@wa/state";
import {
  busNames,
  clearRedisPrefix,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
} from "@wa/testkit";
import type { Redis } from "ioredis";
import { createMessaging, type Messaging, type MessagingOptions } from "../src/index.js";

export const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export interface Stack {
  readonly db: Db;
  readonly redis: Redis;
  readonly prefix: string;
  readonly state: StateStore;
  readonly compliance: Compliance;
  readonly bus: Bus;
  readonly names: BusNames;
  readonly messaging: Messaging;
  readonly url: string;
  /** Another messaging over the same stack (other options, e.g. no NATS). */
  with(over: Partial<MessagingOptions>): Messaging;
  streamCount(): Promise<number>;
  close(): Promise<void>;
}

/** Real Postgres (own database), Redis (own prefix), NATS (own streams), and the messaging over them. */
export async function openStack(
  opts: { consentMode?: "explicit" | "implicit"; defaultCap?: number } = {},
): Promise<Stack> {
  const t = await createTestDatabase();
  const db = createDb(t.url, { max: 20 });
  const redis = createRedis(TEST_REDIS_URL, { lazy: true });
  await redis.connect();
  const prefix = redisPrefix();
  const state = createStateStore({ db, redis, keyPrefix: prefix });
  const compliance = createCompliance({ db, state, ...opts });
  const names = busNames();
  const bus = await connectBus({ url: TEST_NATS_URL, name: "messaging-test" });
  await ensureTopology(bus.jsm, names);
  const base: MessagingOptions = { db, state, compliance, js: bus.js, names, log: silentLog };
  return {
    db,
    redis,
    prefix,
    state,
    compliance,
    bus,
    names,
    url: t.url,
    messaging: createMessaging(base),
    with: (over) => createMessaging({ ...base, ...over }),
    streamCount: async () => Number((await bus.jsm.streams.info(names.DELIVERY_STREAM)).state.messages),
    close: async () => {
      await dropStreams(bus.jsm, names);
      await bus.close();
      await clearRedisPrefix(redis, prefix);
      await redis.quit();
      await db.destroy();
      await t.drop();
    },
  };
}

/** The mock-meta seed templates, as the templates table would hold them after a sync. */
export async function seedTemplates(db: Db): Promise<void> {
  await db
    .insertInto("templates")
    .values([
      {
        name: "order_update",
        locale: "en",
        category: "utility",
        status: "APPROVED",
        body_text: "Hi {{1}}, your order {{2}} has shipped.",
        parameter_count: 2,
        components: "[]",
      },
      {
        name: "welcome_offer",
        locale: "en",
        category: "marketing",
        status: "APPROVED",
        body_text: "Hi {{1}}",
        parameter_count: 1,
        components: "[]",
      },
      {
        name: "otp_code",
        locale: "en",
        category: "authentication",
        status: "APPROVED",
        body_text: "{{1}}",
        parameter_count: 1,
        components: "[]",
      },
    ])
    .onConflict((oc) => oc.columns(["waba_id", "name", "locale"]).doNothing())
    .execute();
}

export async function seedCustomer(
  db: Db,
  customerId: string,
  over: { marketing?: "granted" | "revoked" | "unknown"; utility?: "granted" | "revoked" | "unknown" } = {},
): Promise<void> {
  await db
    .insertInto("customers")
    .values({
      customer_id: customerId,
      phone: customerId,
      marketing_consent: over.marketing ?? "unknown",
      utility_consent: over.utility ?? "unknown",
    })
    .onConflict((oc) =>
      oc
        .columns(["channel", "customer_id"])
        .doUpdateSet({ marketing_consent: over.marketing ?? "unknown", utility_consent: over.utility ?? "unknown" }),
    )
    .execute();
}

export const orderUpdate = (to: string, extra: Record<string, unknown> = {}) => ({
  to,
  content: { type: "template" as const, template_name: "order_update", locale: "en", variables: ["Ann", "A-1"] },
  ...extra,
});

let n = 0;
/** A phone number unique to this process run that avoids mock-meta's 0001–0009 trigger suffixes. */
export function phone(): string {
  n += 1;
  return `6281${String(process.pid % 1000).padStart(3, "0")}${String(n).padStart(5, "0")}77`;
}

/** `count` queued order_update messages to new recipients, written without publishing (no delivery runs). */
export async function queueOrderUpdates(s: Stack, count: number): Promise<string[]> {
  const offline = s.with({ js: null });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await offline.enqueueOutbound(orderUpdate(phone()), { actor: "agent" });
    if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
    ids.push(r.message_id);
  }
  return ids;
}

export { waitFor } from "@wa/testkit";

/** mock-meta's call log for one recipient. */
export async function callsTo(
  mockUrl: string,
  to: string,
): Promise<{ code: number | null; wamid: string | null; biz_opaque_callback_data: string | null }[]> {
  const r = await fetch(`${mockUrl}/_mock/calls?to=${to}&limit=1000`);
  return (
    (await r.json()) as {
      calls: { code: number | null; wamid: string | null; biz_opaque_callback_data: string | null }[];
    }
  ).calls;
}

export async function mockPost(mockUrl: string, path: string, body: unknown): Promise<void> {
  const r = await fetch(`${mockUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`mock ${path}: ${r.status} ${await r.text()}`);
}

/** `scheduled` rows straight into Postgres (utility template, one customer each), for scheduler tests and benchmarks. */
export async function insertScheduled(db: Db, tos: readonly string[], deliverAt: Date): Promise<string[]> {
  await db
    .insertInto("customers")
    .values(tos.map((to) => ({ customer_id: to, phone: to })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  const rows = await db
    .insertInto("messages")
    .values(
      tos.map((to) => ({
        customer_id: to,
        direction: "outbound" as const,
        category: "utility" as const,
        kind: "template",
        content: JSON.stringify({
          type: "template",
          template_name: "order_update",
          locale: "en",
          variables: ["Ann", "A-1"],
        }),
        template_name: "order_update",
        template_locale: "en",
        status: "scheduled" as const,
        deliver_at: deliverAt,
      })),
    )
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}
