import { WINDOW_MS } from "@wa/config";
import type { Database } from "@wa/db";
import { WaError } from "@wa/contract";
import { type Transaction, sql } from "kysely";
import { type Executor, channelOf, insertCustomerIfMissing } from "./customers.js";
import type { CustomerKey, SlotEntry } from "./types.js";

export type FrequencyReservation =
  | { readonly ok: true; readonly at: number; readonly count: number; readonly entries: readonly SlotEntry[] }
  | {
      readonly ok: false;
      readonly at: number;
      readonly count: number;
      readonly cap: number;
      readonly resetsAt: number; // epoch ms when a slot frees
      readonly entries: readonly SlotEntry[];
    };

export interface ReserveInput extends CustomerKey {
  readonly cap: number;
  readonly now: number; // epoch ms; the new message's queued_at must be this instant
  readonly windowMs?: number;
}

// A counted message's time is when it took its slot (queued_at), else its creation.
const SLOT_AT = sql<Date>`COALESCE(queued_at, created_at)`;

/**
 * Messages holding a marketing slot in the rolling window, oldest first. No upper bound on time:
 * a row stamped by a replica whose clock runs ahead must still count.
 */
export async function loadSlotEntries(db: Executor, key: CustomerKey, now: number, windowMs = WINDOW_MS) {
  return (await loadSlotEntriesMany(db, channelOf(key), [key.customerId], now, windowMs)).get(key.customerId) ?? [];
}

/**
 * loadSlotEntries for many customers of one channel in one query (a batch send); customers without slots are absent.
 * One index probe per customer (a lateral join on the array), whatever the statistics say: with `customer_id IN
 * (…)` the planner, working from the statistics of a table a campaign was still filling, scanned every counted
 * row of the channel for each page (O(rows) per page; a 1M-recipient fan-out slowed to a crawl).
 */
export async function loadSlotEntriesMany(
  db: Executor,
  channel: string,
  customerIds: readonly string[],
  now: number,
  windowMs = WINDOW_MS,
) {
  const out = new Map<string, SlotEntry[]>();
  if (customerIds.length === 0) return out;
  const since = new Date(now - windowMs);
  const { rows } = await sql<{ id: string; customer_id: string; at: Date }>`
    SELECT m.id, m.customer_id, m.at
    FROM unnest(${[...new Set(customerIds)]}::text[]) AS c(customer_id)
    CROSS JOIN LATERAL (
      SELECT id, customer_id, ${SLOT_AT} AS at FROM messages
      WHERE channel = ${channel} AND customer_id = c.customer_id AND counts_toward_cap AND ${SLOT_AT} > ${since}
      OFFSET 0 -- keeps the subquery a per-customer probe: flattened, it planned as the same scan in a hash join
    ) m
    ORDER BY m.at, m.id`.execute(db);
  for (const r of rows) {
    const list = out.get(r.customer_id) ?? [];
    list.push({ slotId: r.id, at: new Date(r.at).getTime() });
    out.set(r.customer_id, list);
  }
  return out;
}

/**
 * The exact marketing cap: locks the customer row (FOR UPDATE) in the caller's enqueue transaction and
 * counts held slots; concurrent reservations wait on the lock. On `ok` the caller inserts its message in
 * the same transaction with `counts_toward_cap: true, queued_at: new Date(at)`.
 */
export async function reserveFrequencySlot(
  trx: Transaction<Database>,
  input: ReserveInput,
): Promise<FrequencyReservation> {
  const channel = channelOf(input);
  await lockCustomers(trx, channel, [input.customerId]);
  const [r] = await reserveFrequencySlots(trx, {
    channel,
    customerIds: [input.customerId],
    cap: input.cap,
    now: input.now,
    ...(input.windowMs ? { windowMs: input.windowMs } : {}),
  });
  return r!;
}

/**
 * The one lock order of every write that touches a customer and its messages: customer rows first,
 * `FOR UPDATE`, in customer_id order (rows created when missing, as the messages foreign key needs).
 */
export async function lockCustomers(
  trx: Transaction<Database>,
  channel: string,
  customerIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(customerIds)].toSorted();
  if (ids.length === 0) return;
  const lock = (list: readonly string[]) =>
    trx
      .selectFrom("customers")
      .select("customer_id")
      .where("channel", "=", channel)
      .where("customer_id", "in", list)
      .orderBy("customer_id")
      .forUpdate()
      .execute();
  const found = new Set((await lock(ids)).map((r) => r.customer_id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length === 0) return;
  for (const id of missing) await insertCustomerIfMissing(trx, { customerId: id, channel });
  await lock(missing);
}

export interface ReserveManyInput {
  readonly channel: string;
  readonly customerIds: readonly string[]; // one entry per slot wanted, in the order they are granted
  readonly cap: number;
  readonly now: number;
  readonly windowMs?: number;
}

/**
 * reserveFrequencySlot for a batch whose customer rows the caller already holds (lockCustomers in the same
 * transaction): one slot query for all, then the wanted slots granted in order (a customer wanted twice
 * counts its first grant against the second).
 */
export async function reserveFrequencySlots(
  trx: Transaction<Database>,
  input: ReserveManyInput,
): Promise<FrequencyReservation[]> {
  if (!Number.isInteger(input.cap) || input.cap < 0) {
    throw new WaError("INVALID_ARGUMENT", `frequency cap must be an integer >= 0, got ${input.cap}`);
  }
  const windowMs = input.windowMs ?? WINDOW_MS;
  const held = await loadSlotEntriesMany(trx, input.channel, input.customerIds, input.now, windowMs);
  const granted = new Map<string, number>();
  return input.customerIds.map((id): FrequencyReservation => {
    const entries = held.get(id) ?? [];
    const extra = granted.get(id) ?? 0;
    const count = entries.length + extra;
    if (count < input.cap) {
      granted.set(id, extra + 1);
      return { ok: true, at: input.now, count: count + 1, entries };
    }
    // With `count` held and `cap` allowed, the (count - cap + 1)-th oldest must age out first.
    const times = [...entries.map((e) => e.at), ...Array.from({ length: extra }, () => input.now)];
    const blocking = input.cap > 0 ? times[count - input.cap] : undefined;
    const resetsAt = blocking === undefined ? input.now + windowMs : blocking + windowMs;
    return { ok: false, at: input.now, count, cap: input.cap, resetsAt, entries };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Frees the slot of a message that failed before Meta accepted it; null when it held none. */
export async function releaseSlotRow(db: Executor, messageId: string) {
  if (!UUID.test(messageId)) return null;
  const row = await db
    .updateTable("messages")
    .set({ counts_toward_cap: false, updated_at: sql`now()` })
    .where("id", "=", messageId)
    .where("counts_toward_cap", "=", true)
    .returning(["channel", "customer_id"])
    .executeTakeFirst();
  return row ? { customerId: row.customer_id, channel: row.channel } : null;
}
