import { WINDOW_MS } from "@wa/config";
import type { Redis } from "ioredis";
import { decodeCustomer, decodeWindow, encodeCustomer, encodeWindow } from "./codec.js";
import type { StateKeys } from "./keys.js";
import { mergeSlotsMany, setIfNewer } from "./script.js";
import type { Customer, SlotEntry } from "./types.js";
import type { WindowSource } from "./window.js";

export interface CachedState {
  readonly window: WindowSource | null; // null: no conv key (closed, or never cached)
  readonly customer: Customer | null | undefined; // undefined: not cached; null: known not to exist
  readonly slots: readonly SlotEntry[] | undefined; // undefined: the mirror is not seeded
}

export interface CacheTtls {
  readonly customerMs: number;
  readonly missingCustomerMs: number;
  readonly seededMs: number;
}

type ExecResult = [Error | null, unknown][] | null;

function unwrap(results: ExecResult): unknown[] {
  if (results === null) throw new Error("redis transaction aborted");
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** Redis operations of the state cache. Every method may throw; the store wraps them in the guard. */
export function createStateCache(redis: Redis, keys: StateKeys, ttl: CacheTtls) {
  return {
    /** One round trip: window, customer snapshot and (optionally) the frequency mirror. */
    async read(
      customerId: string,
      channel: string,
      number: string | null,
      now: number,
      withSlots: boolean,
    ): Promise<CachedState> {
      const p = redis
        .pipeline()
        .get(keys.conv(customerId, channel, number))
        .get(keys.customer(customerId, channel));
      if (withSlots) {
        p.zrangebyscore(keys.freq(customerId, channel), `(${now - WINDOW_MS}`, "+inf", "WITHSCORES");
        p.exists(keys.freqSeeded(customerId, channel));
      }
      const [conv, cust, zset, seeded] = unwrap(await p.exec()) as [string | null, string | null, string[]?, number?];
      let slots: SlotEntry[] | undefined;
      if (withSlots && seeded === 1 && zset) {
        slots = [];
        for (let i = 0; i + 1 < zset.length; i += 2) slots.push({ slotId: zset[i]!, at: Number(zset[i + 1]) });
      }
      return {
        window: conv === null ? null : decodeWindow(conv),
        customer: cust === null ? undefined : decodeCustomer(cust),
        slots,
      };
    },

    async putCustomer(customerId: string, channel: string, customer: Customer | null, version: number): Promise<void> {
      const ttlMs = customer === null ? ttl.missingCustomerMs : ttl.customerMs;
      await setIfNewer.run(
        redis,
        [keys.customer(customerId, channel)],
        [encodeCustomer(customer, version), version, ttlMs],
      );
    },

    /** TTL = exact time left in the window; an expired window is removed. */
    async putWindow(
      at: { customerId: string; channel: string; number: string | null },
      w: WindowSource,
      version: number,
      now: number,
    ): Promise<void> {
      const key = keys.conv(at.customerId, at.channel, at.number);
      const left = w.expiresAt - now;
      if (left <= 0) await redis.del(key);
      else await setIfNewer.run(redis, [key], [encodeWindow(w, version), version, Math.ceil(left)]);
    },

    /** Replaces the mirror with Postgres's list (on a miss) and marks it complete. */
    async seedSlots(customerId: string, channel: string, entries: readonly SlotEntry[], now: number): Promise<void> {
      const key = keys.freq(customerId, channel);
      const m = redis.multi().del(key);
      if (entries.length) m.zadd(key, ...entries.flatMap((e) => [e.at, e.slotId])).pexpire(key, WINDOW_MS);
      unwrap(await m.set(keys.freqSeeded(customerId, channel), String(now), "PX", ttl.seededMs).exec());
    },

    /**
     * Adds committed reservations' full lists (merge: racing mirrors never drop each other's slot). One script
     * for all (atomic like a MULTI): a batch send's page is one command, not four per recipient.
     */
    async mergeSlots(
      merges: readonly { customerId: string; channel: string; entries: readonly SlotEntry[] }[],
      now: number,
    ): Promise<void> {
      const wanted = merges.filter((x) => x.entries.length > 0);
      if (wanted.length === 0) return;
      const k: string[] = [];
      const args: (string | number)[] = [now - WINDOW_MS, WINDOW_MS, String(now), ttl.seededMs];
      for (const { customerId, channel, entries } of wanted) {
        k.push(keys.freq(customerId, channel), keys.freqSeeded(customerId, channel));
        args.push(entries.length);
        for (const e of entries) args.push(e.at, e.slotId);
      }
      await mergeSlotsMany.run(redis, k, args);
    },

    async removeSlot(customerId: string, channel: string, slotId: string): Promise<void> {
      await redis.zrem(keys.freq(customerId, channel), slotId);
    },

    /** Every cached entry of these customers, in one DEL. */
    async forget(entries: readonly { customerId: string; channel: string; number: string | null }[]): Promise<void> {
      const k = new Set<string>();
      for (const { customerId, channel, number } of entries)
        k.add(keys.conv(customerId, channel, number))
          .add(keys.customer(customerId, channel))
          .add(keys.freqSeeded(customerId, channel));
      if (k.size > 0) await redis.del(...k);
    },
  };
}
