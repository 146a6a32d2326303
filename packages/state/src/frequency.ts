import type { Database } from "@wa/db";
import { WaError } from "@wa/observability";
import { type Transaction, sql } from "kysely";
import { type Executor, channelOf, insertCustomerIfMissing } from "./customers.js";
import type { CustomerKey, SlotEntry } from "./types.js";
import { WINDOW_MS } from "./types.js";

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
  const rows = await db
    .selectFrom("messages")
    .select(["id", SLOT_AT.as("at")])
    .where("channel", "=", channelOf(key))
    .where("customer_id", "=", key.customerId)
    .where("counts_toward_cap", "=", true)
    .where(SLOT_AT, ">", new Date(now - windowMs))
    .orderBy("at")
    .orderBy("id")
    .execute();
  return rows.map((r): SlotEntry => ({ slotId: r.id, at: new Date(r.at).getTime() }));
}

/**
 * The exact marketing cap: locks the customer row (FOR UPDATE) in the caller's enqueue transaction and
 * counts held slots; concurrent reservations wait on the lock. On `ok` the caller inserts its message in
 * the same transaction with `counts_toward_cap: true, queued_at: new Date(at)`.
 */
export async function reserveFrequencySlot(trx: Transaction<Database>, input: ReserveInput): Promise<FrequencyReservation> {
  if (!Number.isInteger(input.cap) || input.cap < 0) {
    throw new WaError("INVALID_ARGUMENT", `frequency cap must be an integer >= 0, got ${input.cap}`);
  }
  const windowMs = input.windowMs ?? WINDOW_MS;
  await insertCustomerIfMissing(trx, input);
  await trx
    .selectFrom("customers")
    .select("id")
    .where("channel", "=", channelOf(input))
    .where("customer_id", "=", input.customerId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const entries = await loadSlotEntries(trx, input, input.now, windowMs);
  const count = entries.length;
  if (count < input.cap) return { ok: true, at: input.now, count: count + 1, entries };
  // With `count` held and `cap` allowed, the (count - cap + 1)-th oldest must age out first.
  const blocking = input.cap > 0 ? entries[count - input.cap] : undefined;
  const resetsAt = blocking === undefined ? input.now + windowMs : blocking.at + windowMs;
  return { ok: false, at: input.now, count, cap: input.cap, resetsAt, entries };
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
