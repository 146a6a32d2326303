import type { AuditActor, Database, Db, MessageCategory, MessageRow } from "@wa/db";
import { customerIdKind, lockCustomers, placeOf, reserveFrequencySlots, type FrequencyReservation } from "@wa/state";
import { sql, type Transaction } from "kysely";
import { withTxRetry } from "./tx-retry.js";

/** One message row to write, with its audit entry; `id` is chosen here so the audit entry can name it. */
export interface Draft {
  readonly id: string;
  readonly channel: string;
  readonly phoneNumberId: string | null; // the number it goes from; null: the default one
  readonly customerId: string;
  readonly category: MessageCategory;
  readonly slot: boolean; // marketing sent now: holds a frequency slot (counts_toward_cap, queued_at = the slot's time)
  readonly kind: string;
  readonly content: Record<string, unknown>;
  readonly templateName: string | null;
  readonly templateLocale: string | null;
  readonly status: "queued" | "scheduled";
  readonly deliverAt: Date | null;
  readonly campaignId: string | null;
  readonly idempotencyKey: string | null;
  readonly requestHash: string;
  readonly audit: { readonly actor: AuditActor; readonly action: string; readonly details: Record<string, unknown> };
}

export type Written =
  | {
      readonly kind: "row";
      readonly row: Pick<MessageRow, "id" | "status">;
      readonly slot: FrequencyReservation | null;
    }
  | { readonly kind: "capped"; readonly slot: Extract<FrequencyReservation, { ok: false }> }
  | { readonly kind: "conflict" }; // the idempotency key is taken: the caller answers with that message

interface WriteReport {
  readonly written: readonly Written[]; // one per draft, same order
  readonly newCustomers: readonly string[]; // customer rows created here (their cached "not a customer" goes)
}

/**
 * Writes drafts (one send or a batch) with the one lock order of messages/README.md: customer rows first
 * (FOR UPDATE, customer_id order), then the message rows. Without a frequency slot no lock is needed: customers
 * if missing, rows and audit entries go in ONE statement. With slots: one transaction that locks the customers,
 * answers drafts whose idempotency key is already taken (before any slot is counted: a concurrent duplicate of
 * the send that took the last slot gets that send back, not FREQUENCY_CAP_EXCEEDED), reserves the slots exactly,
 * then writes. Deadlocks and serialization failures rerun the transaction (withTxRetry).
 */
async function writeDrafts(
  db: Db,
  drafts: readonly Draft[],
  capFor: (channel: string) => Promise<number>,
  now: number,
): Promise<WriteReport> {
  if (drafts.length === 0) return { written: [], newCustomers: [] };
  const channel = drafts[0]!.channel;
  if (drafts.some((d) => d.channel !== channel)) throw new Error("writeDrafts: one channel per batch");
  if (!drafts.some((d) => d.slot)) return insertUnlocked(db, drafts, now);
  const cap = await capFor(channel);
  return withTxRetry(db, (trx) => insertLocked(trx, drafts, channel, cap, now));
}

/**
 * writeDrafts for a batch that may span businesses (numbers of several businesses of accounts.yaml): one write per
 * business channel, each with its own cap and customer locks; answers in draft order, new customers with their channel.
 */
export async function writeByBusiness(
  db: Db,
  drafts: readonly Draft[],
  capFor: (channel: string) => Promise<number>,
  now: number,
): Promise<{ written: Written[]; newCustomers: { customerId: string; channel: string }[] }> {
  const channels = [...new Set(drafts.map((d) => d.channel))];
  if (channels.length <= 1) {
    const r = await writeDrafts(db, drafts, capFor, now);
    return {
      written: [...r.written],
      newCustomers: r.newCustomers.map((id) => ({ customerId: id, channel: channels[0]! })),
    };
  }
  const written = new Map<Draft, Written>();
  const newCustomers: { customerId: string; channel: string }[] = [];
  for (const channel of channels) {
    const group = drafts.filter((d) => d.channel === channel);
    const r = await writeDrafts(db, group, capFor, now);
    group.forEach((d, k) => written.set(d, r.written[k]!));
    for (const id of r.newCustomers) newCustomers.push({ customerId: id, channel });
  }
  return { written: drafts.map((d) => written.get(d)!), newCustomers };
}

async function insertLocked(
  trx: Transaction<Database>,
  drafts: readonly Draft[],
  channel: string,
  cap: number,
  now: number,
): Promise<WriteReport> {
  await lockCustomers(
    trx,
    channel,
    drafts.map((d) => d.customerId),
  );
  const keys = drafts.filter((d) => d.slot && d.idempotencyKey !== null).map((d) => d.idempotencyKey!);
  const taken = new Set(
    keys.length === 0
      ? []
      : (await trx.selectFrom("messages").select("idempotency_key").where("idempotency_key", "in", keys).execute()).map(
          (r) => r.idempotency_key,
        ),
  );
  const wanting = drafts.filter((d) => d.slot && !taken.has(d.idempotencyKey));
  const slots = await reserveFrequencySlots(trx, { channel, customerIds: wanting.map((d) => d.customerId), cap, now });
  const slotOf = new Map(wanting.map((d, i) => [d.id, slots[i]!]));
  const pre = new Map<string, Written>();
  const rows: Draft[] = [];
  for (const d of drafts) {
    const s = slotOf.get(d.id);
    if (d.slot && taken.has(d.idempotencyKey)) pre.set(d.id, { kind: "conflict" });
    else if (s && !s.ok) pre.set(d.id, { kind: "capped", slot: s });
    else rows.push(d);
  }
  const inserted = await insertRows(trx, rows, null, now);
  return {
    written: drafts.map((d) => pre.get(d.id) ?? rowOrConflict(inserted.rows, d, slotOf.get(d.id) ?? null)),
    newCustomers: [],
  };
}

async function insertUnlocked(db: Db, drafts: readonly Draft[], now: number): Promise<WriteReport> {
  const r = await insertRows(db, drafts, customersOf(drafts), now);
  return { written: drafts.map((d) => rowOrConflict(r.rows, d, null)), newCustomers: r.newCustomers };
}

function rowOrConflict(
  rows: ReadonlyMap<string, MessageRow["status"]>,
  d: Draft,
  slot: FrequencyReservation | null,
): Written {
  const status = rows.get(d.id);
  return status ? { kind: "row", row: { id: d.id, status }, slot } : { kind: "conflict" };
}

/** Customer rows for drafts whose customer may be new, created like @wa/state does (never touching an existing one). */
function customersOf(drafts: readonly Draft[]) {
  const ids = [...new Set(drafts.map((d) => `${d.channel}\u0000${d.customerId}`))].toSorted();
  return ids.map((k) => {
    const [channel, id] = k.split("\u0000") as [string, string];
    const kind = customerIdKind(id);
    const place = placeOf(id);
    return {
      channel,
      customer_id: id,
      phone: kind === "phone" ? id : null,
      bsuid: kind === "bsuid" ? id : null,
      country: place.country,
      timezone: place.timezone,
    };
  });
}

/**
 * Customers if missing (optional), message rows and their audit entries in ONE statement (rows travel as one
 * JSON parameter: a 500-row page is one round trip, whatever its size). Rows whose idempotency key is taken
 * are skipped (ON CONFLICT DO NOTHING) and get no audit entry.
 */
async function insertRows(
  db: Db | Transaction<Database>,
  drafts: readonly Draft[],
  customers: ReturnType<typeof customersOf> | null,
  now: number,
) {
  const rows = new Map<string, MessageRow["status"]>();
  if (drafts.length === 0) return { rows, newCustomers: [] as string[] };
  const at = new Date(now).toISOString();
  const messages = JSON.stringify(
    drafts.map((d) => ({
      id: d.id,
      channel: d.channel,
      phone_number_id: d.phoneNumberId,
      customer_id: d.customerId,
      direction: "outbound",
      category: d.category,
      kind: d.kind,
      content: d.content,
      template_name: d.templateName,
      template_locale: d.templateLocale,
      status: d.status,
      deliver_at: d.deliverAt?.toISOString() ?? null,
      campaign_id: d.campaignId,
      idempotency_key: d.idempotencyKey,
      request_hash: d.requestHash,
      counts_toward_cap: d.slot,
      queued_at: d.status === "queued" ? at : null,
    })),
  );
  const audits = JSON.stringify(
    drafts.map((d) => ({ id: d.id, actor: d.audit.actor, action: d.audit.action, details: d.audit.details })),
  );
  const c = customers
    ? sql`c AS (
        INSERT INTO customers (channel, customer_id, phone, bsuid, country, timezone)
        SELECT channel, customer_id, phone, bsuid, country, timezone FROM json_populate_recordset(NULL::customers, ${JSON.stringify(customers)}::json)
        ON CONFLICT (channel, customer_id) DO NOTHING RETURNING customer_id),`
    : sql`c AS (SELECT NULL::text AS customer_id WHERE false),`;
  const r = await sql<{ k: "m" | "c"; id: string; status: MessageRow["status"] | null }>`
    WITH ${c}
    m AS (
      INSERT INTO messages (id, channel, phone_number_id, customer_id, direction, category, kind, content, template_name, template_locale, status,
        deliver_at, campaign_id, idempotency_key, request_hash, counts_toward_cap, queued_at)
      SELECT id, channel, phone_number_id, customer_id, direction, category, kind, content, template_name, template_locale, status,
        deliver_at, campaign_id, idempotency_key, request_hash, counts_toward_cap, queued_at
      FROM json_populate_recordset(NULL::messages, ${messages}::json)
      ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id, status),
    a AS (
      INSERT INTO audit_logs (actor, action, subject_type, subject_id, details)
      SELECT d.actor, d.action, 'message', d.id::text, d.details
      FROM json_to_recordset(${audits}::json) AS d(id uuid, actor text, action text, details jsonb) WHERE d.id IN (SELECT id FROM m))
    SELECT 'm' AS k, id::text AS id, status FROM m UNION ALL SELECT 'c', customer_id, NULL FROM c`.execute(db);
  const newCustomers: string[] = [];
  for (const x of r.rows) {
    if (x.k === "m" && x.status) rows.set(x.id, x.status);
    else newCustomers.push(x.id);
  }
  return { rows, newCustomers };
}
