import { WINDOW_MS } from "@wa/config";
import type { Result } from "@wa/contract";
import { type AuditActor, type Database, inTransaction } from "@wa/db";
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { createStateCache } from "./cache.js";
import { archive, type ArchiveResult } from "./archive.js";
import { changeConsent, type ConsentChange, type ConsentMeta, type ConsentResult } from "./consent.js";
import {
  listRows,
  type ListFilter,
  selectActive,
  toConversation,
  toWindowSource,
  touchOutbound,
  upsertInbound,
} from "./conversations.js";
import {
  type CustomerInfo,
  channelOf,
  selectCustomer,
  toCustomer,
  touchCustomer,
  upsertCustomerRow,
} from "./customers.js";
import { type FrequencyReservation, loadSlotEntries, loadSlotEntriesMany, releaseSlotRow } from "./frequency.js";
import { createCacheGuard } from "./guard.js";
import { stateKeys } from "./keys.js";
import { changeTags, type TagChange } from "./tag-change.js";
import type { CareWindow, Conversation, Customer, CustomerKey, SlotEntry, StateLogger } from "./types.js";
import { CLOSED_WINDOW, windowAt } from "./window.js";

export interface StateStoreOptions {
  readonly db: Kysely<Database>;
  readonly redis?: Redis; // omitted: Postgres only
  readonly keyPrefix?: string;
  /** The number a key without phoneNumberId means (accounts: the default number). None: windows carry no number. */
  readonly phoneNumberId?: string;
  readonly log?: StateLogger;
  readonly now?: () => number;
  readonly customerTtlMs?: number; // snapshot lifetime; bounds staleness if a write-through was lost
  readonly missingCustomerTtlMs?: number;
  readonly slotsSeededTtlMs?: number; // how long the frequency mirror is trusted before a re-read
  readonly redisTimeoutMs?: number;
  readonly redisCooldownMs?: number;
}

/** What one decision needs about a customer, read in one Redis round trip when warm. */
export interface StateSnapshot {
  readonly customer: Customer | null;
  readonly window: CareWindow;
  readonly slots: readonly SlotEntry[]; // marketing slots held in the rolling 24 h, oldest first
}

/** A committed frequency reservation and the message holding it, to mirror into Redis. */
export interface MirroredSlot {
  readonly key: CustomerKey;
  readonly reservation: FrequencyReservation;
  readonly messageId: string;
}

const silent: StateLogger = { warn: () => {}, info: () => {} };

export function createStateStore(opts: StateStoreOptions) {
  const { db } = opts;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? silent;
  const guard = createCacheGuard({
    log,
    timeoutMs: opts.redisTimeoutMs ?? 100,
    cooldownMs: opts.redisCooldownMs ?? 1000,
  });
  const cache = opts.redis
    ? createStateCache(opts.redis, stateKeys(opts.keyPrefix ?? ""), {
        customerMs: opts.customerTtlMs ?? 60_000,
        missingCustomerMs: opts.missingCustomerTtlMs ?? 10_000,
        seededMs: opts.slotsSeededTtlMs ?? 300_000,
      })
    : undefined;
  const numberOf = (key: CustomerKey): string | null => key.phoneNumberId ?? opts.phoneNumberId ?? null;
  const cached = async <T>(op: (c: NonNullable<typeof cache>) => Promise<T>): Promise<T | undefined> =>
    cache ? guard.run(() => op(cache)) : undefined;

  async function invalidateMany(ks: readonly CustomerKey[]): Promise<void> {
    const entries = ks.map((k) => ({ customerId: k.customerId, channel: channelOf(k), number: numberOf(k) }));
    await cached((c) => c.forget(entries));
  }

  async function putCustomer(key: CustomerKey, row: Parameters<typeof toCustomer>[0] & { version: string }) {
    const customer = toCustomer(row);
    await cached((c) => c.putCustomer(key.customerId, channelOf(key), customer, Number(row.version)));
    return customer;
  }

  async function putWindow(key: CustomerKey, row: Parameters<typeof toWindowSource>[0] & { version: string }) {
    const src = toWindowSource(row);
    const at = { customerId: key.customerId, channel: channelOf(key), number: numberOf(key) };
    await cached((c) => c.putWindow(at, src, Number(row.version), now()));
    return windowAt(src, now());
  }

  async function loadCustomer(key: CustomerKey): Promise<Customer | null> {
    const row = await selectCustomer(db, key);
    if (row) return putCustomer(key, row);
    await cached((c) => c.putCustomer(key.customerId, channelOf(key), null, 0));
    return null;
  }

  async function loadWindow(key: CustomerKey): Promise<CareWindow> {
    const row = await selectActive(db, key, numberOf(key));
    return row ? putWindow(key, row) : CLOSED_WINDOW;
  }

  async function loadSlots(key: CustomerKey, t: number): Promise<SlotEntry[]> {
    const entries = await loadSlotEntries(db, key, t);
    await cached((c) => c.seedSlots(key.customerId, channelOf(key), entries, t));
    return entries;
  }

  /** Redis first; each part missing from the cache comes from Postgres and is put back. */
  async function read(key: CustomerKey, withSlots: boolean): Promise<StateSnapshot> {
    const t = now();
    const hit = await cached((c) => c.read(key.customerId, channelOf(key), numberOf(key), t, withSlots));
    if (!hit) {
      const [customer, window, slots] = await Promise.all([
        loadCustomer(key),
        loadWindow(key),
        withSlots ? loadSlots(key, t) : [],
      ]);
      return { customer, window, slots };
    }
    const customer = hit.customer !== undefined ? hit.customer : await loadCustomer(key);
    // No conv key and no inbound in the last 24 h: closed, no query. Otherwise the key was lost: ask Postgres.
    const lastIn = customer?.lastInboundAt?.getTime() ?? null;
    const window = hit.window
      ? windowAt(hit.window, t)
      : lastIn === null || lastIn + WINDOW_MS <= t
        ? CLOSED_WINDOW
        : await loadWindow(key);
    const slots = !withSlots ? [] : (hit.slots ?? (await loadSlots(key, t)));
    return { customer, window, slots };
  }

  /** mirrorReservation for a batch's committed slots, in one Redis round trip. */
  async function mirrorReservations(list: readonly MirroredSlot[]): Promise<void> {
    const merges = list.flatMap(({ key, reservation: r, messageId }) =>
      r.ok
        ? [
            {
              customerId: key.customerId,
              channel: channelOf(key),
              entries: [...r.entries, { slotId: messageId, at: r.at }],
            },
          ]
        : [],
    );
    if (merges.length === 0) return;
    await cached((c) => c.mergeSlots(merges, now()));
  }

  return {
    async upsertCustomer(key: CustomerKey, info: CustomerInfo = {}): Promise<Customer> {
      return putCustomer(key, await upsertCustomerRow(db, key, info));
    },

    async getCustomer(key: CustomerKey): Promise<Customer | null> {
      const hit = await cached((c) => c.read(key.customerId, channelOf(key), numberOf(key), now(), false));
      return hit?.customer !== undefined ? hit.customer : loadCustomer(key);
    },

    /** Consent per category; one audit entry per changed category, in the same transaction. */
    async setConsent(key: CustomerKey, change: ConsentChange, meta: ConsentMeta): Promise<ConsentResult> {
      const result = await changeConsent(db, key, change, meta, now());
      await putCustomer(key, result.row);
      return { customer: toCustomer(result.row), changed: result.changed };
    },

    async updateTags(
      key: CustomerKey,
      change: TagChange,
      actor: AuditActor = "agent",
    ): Promise<Result<{ customer: Customer }>> {
      const result = await changeTags(db, key, change, actor);
      if (!result.ok) return result;
      return { ok: true, customer: await putCustomer(key, result.row) };
    },

    /** Opens or refreshes the window from the message's own timestamp (clamped to now). */
    async recordInbound(key: CustomerKey, messageAt: Date | number, info: CustomerInfo = {}) {
      const at = new Date(Math.min(new Date(messageAt).getTime(), now()));
      const written = await inTransaction(db, async (trx) => {
        await upsertCustomerRow(trx, key, info);
        const convRow = await upsertInbound(trx, key, numberOf(key), at);
        const customerRow = await touchCustomer(trx, key, "last_inbound_at", at);
        if (!customerRow) throw new Error("customer row vanished");
        return { customerRow, convRow };
      });
      const customer = await putCustomer(key, written.customerRow);
      return { customer, window: await putWindow(key, written.convRow) };
    },

    /** Records a send Meta accepted: last_outbound_at on the customer and the active conversation. */
    async recordOutbound(key: CustomerKey, sentAt: Date | number): Promise<void> {
      const at = new Date(sentAt);
      const written = await inTransaction(db, async (trx) => {
        const customerRow = await touchCustomer(trx, key, "last_outbound_at", at);
        return { customerRow, convRow: await touchOutbound(trx, key, numberOf(key), at) };
      });
      if (written.customerRow) await putCustomer(key, written.customerRow);
      if (written.convRow) await putWindow(key, written.convRow);
    },

    async getWindow(key: CustomerKey): Promise<CareWindow> {
      return (await read(key, false)).window;
    },

    /** Customer, window and marketing slots: one Redis pipeline when warm, Postgres for what is missing. */
    async getSnapshot(key: CustomerKey): Promise<StateSnapshot> {
      return read(key, true);
    },

    /**
     * getSnapshot for many customers of one channel and number, straight from Postgres in three queries (a batch
     * send: one Redis read per recipient costs more than the bulk read, and would fill the cache with one-off keys).
     */
    async getSnapshots(
      channel: string,
      customerIds: readonly string[],
      phoneNumberId?: string,
    ): Promise<Map<string, StateSnapshot>> {
      const number = numberOf({ customerId: "", phoneNumberId });
      const t = now();
      const ids = [...new Set(customerIds)];
      if (ids.length === 0) return new Map();
      const [customers, conversations, slots] = await Promise.all([
        db.selectFrom("customers").selectAll().where("channel", "=", channel).where("customer_id", "in", ids).execute(),
        db
          .selectFrom("conversations")
          .selectAll()
          .where("channel", "=", channel)
          .where("customer_id", "in", ids)
          .where((eb) => (number === null ? eb("phone_number_id", "is", null) : eb("phone_number_id", "=", number)))
          .where("status", "=", "active")
          .execute(),
        loadSlotEntriesMany(db, channel, ids, t),
      ]);
      const byId = new Map(customers.map((r) => [r.customer_id, toCustomer(r)]));
      const windows = new Map(conversations.map((r) => [r.customer_id, windowAt(toWindowSource(r), t)]));
      return new Map(
        ids.map((id) => [
          id,
          { customer: byId.get(id) ?? null, window: windows.get(id) ?? CLOSED_WINDOW, slots: slots.get(id) ?? [] },
        ]),
      );
    },

    async archiveConversation(id: string, actor: AuditActor = "agent"): Promise<ArchiveResult> {
      const result = await archive(db, id, now(), actor);
      const conv = result.ok ? result.conversation : null;
      if (conv)
        await cached((c) =>
          c.forget([{ customerId: conv.customerId, channel: conv.channel, number: conv.phoneNumberId }]),
        );
      return result;
    },

    async listConversations(
      filter: ListFilter,
      limit = 50,
      offset = 0,
    ): Promise<{ conversations: Conversation[]; total: number }> {
      const t = now();
      const { rows, total } = await listRows(db, filter, limit, offset, t);
      return { conversations: rows.map((r) => toConversation(r, t)), total };
    },

    /** After the enqueue transaction committed: mirror its slot into Redis for the fast read path. */
    async mirrorReservation(key: CustomerKey, reservation: FrequencyReservation, messageId: string): Promise<void> {
      await mirrorReservations([{ key, reservation, messageId }]);
    },

    mirrorReservations,

    /** Frees the slot of a message that failed before Meta accepted it (Postgres, then the mirror). */
    async releaseFrequencySlot(messageId: string): Promise<{ released: boolean }> {
      const owner = await releaseSlotRow(db, messageId);
      if (owner) await cached((c) => c.removeSlot(owner.customerId, owner.channel, messageId));
      return { released: owner !== null };
    },

    /** Drops every cached entry of a customer, for writes made outside this store. */
    async invalidate(key: CustomerKey): Promise<void> {
      await invalidateMany([key]);
    },

    /** `invalidate` for many customers in one Redis call (the delivery worker's `sent` batches). */
    invalidateMany,

    /** Whether the last Redis call worked (for readiness reports). */
    redisHealthy: (): boolean => guard.healthy(),
  };
}

export type StateStore = ReturnType<typeof createStateStore>;
