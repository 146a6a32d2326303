import type { Redis } from "ioredis";
import { RateLimitError } from "./errors.js";
import { slotsKey, slotsSeededKey } from "./keys.js";
import type { LuaScript } from "./script.js";
import { countScript, releaseScript, reserveScript, seedScript } from "./slots-lua.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** One counted message: its id (the slot id, e.g. our message id) and when it was reserved/sent (epoch ms). */
export type SlotEntry = { readonly slotId: string; readonly at: number };

export type ReserveResult =
  | { readonly ok: true; readonly count: number }
  | { readonly ok: false; readonly count: number; readonly resetsAt: number }; // epoch ms a slot frees

export type SlotCount = { readonly count: number; readonly oldestAt: number | null; readonly resetsAt: number | null };

export type FrequencySlotsOptions = {
  readonly redis: Redis;
  readonly keyPrefix?: string;
  readonly windowMs?: number;
  readonly now?: () => number; // passed to Lua as ARGV, so tests can move time
  /** Reads the customer's counted messages in the window from Postgres when Redis has no set for them. */
  readonly loadHistory?: (customerKey: string) => Promise<readonly SlotEntry[]>;
};

export type FrequencySlots = {
  reserve(customerKey: string, slotId: string, cap: number): Promise<ReserveResult>;
  release(customerKey: string, slotId: string): Promise<boolean>;
  count(customerKey: string): Promise<SlotCount>;
  seed(customerKey: string, entries: readonly SlotEntry[]): Promise<number>;
};

/**
 * Rolling-window slots on a sorted set: the fast path of the frequency cap. Every method throws
 * RateLimitError REDIS_UNAVAILABLE when Redis fails; callers then count rows in Postgres (the truth).
 */
export function createFrequencySlots(opts: FrequencySlotsOptions): FrequencySlots {
  const prefix = opts.keyPrefix ?? "";
  const windowMs = opts.windowMs ?? DAY_MS;
  const now = opts.now ?? Date.now;
  const { redis, loadHistory } = opts;
  const keysOf = (customerKey: string): string[] => [slotsKey(prefix, customerKey), slotsSeededKey(prefix, customerKey)];

  async function call(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await script.run(redis, keys, args);
    } catch (err) {
      throw new RateLimitError("REDIS_UNAVAILABLE", "frequency slots: redis call failed", { cause: err });
    }
  }

  async function seed(customerKey: string, entries: readonly SlotEntry[]): Promise<number> {
    const pairs = entries.flatMap((e) => [e.slotId, e.at]);
    return (await call(seedScript, keysOf(customerKey), [now(), windowMs, ...pairs])) as number;
  }

  // Without a loader a missing set means "no history" (autoSeed); with one, load and seed, then ask again.
  async function withSeed<T>(customerKey: string, attempt: (autoSeed: boolean) => Promise<T | "unseeded">): Promise<T> {
    const first = await attempt(loadHistory === undefined);
    if (first !== "unseeded") return first;
    await seed(customerKey, await (loadHistory?.(customerKey) ?? []));
    const second = await attempt(true);
    if (second === "unseeded") throw new Error("frequency slots: seeded set vanished");
    return second;
  }

  return {
    seed,

    async reserve(customerKey, slotId, cap) {
      if (!Number.isInteger(cap) || cap < 1) {
        throw new RateLimitError("INVALID_ARGUMENT", `cap must be an integer >= 1, got ${cap}`);
      }
      return withSeed(customerKey, async (autoSeed) => {
        const args = [now(), windowMs, cap, slotId, autoSeed ? "1" : "0"];
        const [ok, count, resetsAt] = (await call(reserveScript, keysOf(customerKey), args)) as number[];
        if (ok === -1) return "unseeded";
        return ok === 1 ? { ok: true, count: count ?? 0 } : { ok: false, count: count ?? 0, resetsAt: resetsAt ?? 0 };
      });
    },

    async release(customerKey, slotId) {
      return ((await call(releaseScript, [slotsKey(prefix, customerKey)], [slotId])) as number) === 1;
    },

    async count(customerKey) {
      return withSeed(customerKey, async (autoSeed) => {
        const [seeded, count, oldest] = (await call(countScript, keysOf(customerKey), [now(), windowMs])) as number[];
        if (seeded === 0 && !autoSeed) return "unseeded";
        const oldestAt = oldest !== undefined && oldest >= 0 ? oldest : null;
        return { count: count ?? 0, oldestAt, resetsAt: oldestAt === null ? null : oldestAt + windowMs };
      });
    },
  };
}
