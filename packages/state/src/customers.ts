import { DEFAULT_CHANNEL } from "@wa/config";
import type { CustomerRow, Executor } from "@wa/db";
import { WaError } from "@wa/contract";
import { sql } from "kysely";
import { customerIdKind, placeOf } from "./identity.js";
import type { ConsentStatus, Customer, CustomerKey } from "./types.js";

export type { Executor };
export type Versioned<T> = T & { version: string }; // updated_at in µs, orders cache writes

/** updated_at in microseconds: the version that keeps a stale cache write from overwriting a newer one. */
export const VERSION = sql<string>`(extract(epoch from updated_at) * 1000000)::bigint::text`.as("version");

export interface CustomerInfo {
  readonly displayName?: string | null;
  readonly bsuid?: string | null;
  readonly phone?: string | null; // digits, when the id is a BSUID but the phone is also known
}

export function channelOf(key: CustomerKey): string {
  return key.channel ?? DEFAULT_CHANNEL;
}

function assertCustomerId(id: string): void {
  if (customerIdKind(id) === null) {
    throw new WaError("INVALID_ARGUMENT", `customer id "${id}" is neither E.164 digits without "+" nor a BSUID`);
  }
}

function newRow(key: CustomerKey, info: CustomerInfo) {
  assertCustomerId(key.customerId);
  const kind = customerIdKind(key.customerId);
  const phone = kind === "phone" ? key.customerId : (info.phone ?? null);
  const place = placeOf(phone ?? key.customerId);
  return {
    channel: channelOf(key),
    customer_id: key.customerId,
    phone,
    bsuid: kind === "bsuid" ? key.customerId : (info.bsuid ?? null),
    display_name: info.displayName ?? null,
    country: place.country,
    timezone: place.timezone,
  };
}

/** Insert or refresh one customer; country and zone are filled from the number only when still empty. */
export async function upsertCustomerRow(db: Executor, key: CustomerKey, info: CustomerInfo = {}) {
  return db
    .insertInto("customers")
    .values(newRow(key, info))
    .onConflict((oc) =>
      oc.columns(["channel", "customer_id"]).doUpdateSet({
        display_name: sql`COALESCE(excluded.display_name, customers.display_name)`,
        bsuid: sql`COALESCE(excluded.bsuid, customers.bsuid)`,
        phone: sql`COALESCE(customers.phone, excluded.phone)`,
        country: sql`COALESCE(customers.country, excluded.country)`,
        timezone: sql`COALESCE(customers.timezone, excluded.timezone)`,
        updated_at: sql`clock_timestamp()`,
      }),
    )
    .returningAll()
    .returning(VERSION)
    .executeTakeFirstOrThrow();
}

/** Makes sure the row exists (for foreign keys and row locks) without touching an existing one. */
export async function insertCustomerIfMissing(db: Executor, key: CustomerKey): Promise<void> {
  await db
    .insertInto("customers")
    .values(newRow(key, {}))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Moves last_inbound_at / last_outbound_at forward only (webhooks arrive out of order). */
export async function touchCustomer(
  db: Executor,
  key: CustomerKey,
  column: "last_inbound_at" | "last_outbound_at",
  at: Date,
) {
  return db
    .updateTable("customers")
    .set({ [column]: sql`GREATEST(COALESCE(${sql.ref(column)}, ${at}), ${at})`, updated_at: sql`clock_timestamp()` })
    .where("channel", "=", channelOf(key))
    .where("customer_id", "=", key.customerId)
    .returningAll()
    .returning(VERSION)
    .executeTakeFirst();
}

export async function selectCustomer(db: Executor, key: CustomerKey, forUpdate = false) {
  let q = db
    .selectFrom("customers")
    .selectAll()
    .select(VERSION)
    .where("channel", "=", channelOf(key))
    .where("customer_id", "=", key.customerId);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    channel: row.channel,
    customerId: row.customer_id,
    phone: row.phone,
    bsuid: row.bsuid,
    displayName: row.display_name,
    consent: {
      marketing: { status: row.marketing_consent, source: row.marketing_consent_source, at: row.marketing_consent_at },
      utility: { status: row.utility_consent, source: row.utility_consent_source, at: row.utility_consent_at },
    },
    tags: row.tags,
    country: row.country,
    timezone: row.timezone,
    lastInboundAt: row.last_inbound_at,
    lastOutboundAt: row.last_outbound_at,
    marketingLimitedUntil: row.marketing_limited_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function isConsentStatus(v: unknown): v is ConsentStatus {
  return v === "granted" || v === "revoked" || v === "unknown";
}
