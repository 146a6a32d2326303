import type { Db } from "@wa/db";
import { type AgentIdentity, identityOf } from "./identity.js";
import { findLiveKey, keyDigest, looksLikeAgentKey } from "./keys.js";

export interface KeyResolver {
  /** The key's identity, or null when it is malformed, unknown or revoked. Throws when Postgres is down. */
  resolve(key: string): Promise<AgentIdentity | null>;
}

const MAX_ENTRIES = 10_000;

/**
 * Key lookups cached in memory by hash for `ttlMs`, so a tool call costs no Postgres round trip: a revoke takes
 * effect within the TTL. Unknown keys are cached too (a new key's hash was never looked up before, so this never
 * delays a new key), which keeps guessed keys from costing a query each.
 */
export function createKeyResolver(opts: { db: Db; ttlMs: number; now?: () => number }): KeyResolver {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { identity: AgentIdentity | null; until: number }>();
  const pending = new Map<string, Promise<AgentIdentity | null>>();
  return {
    async resolve(key) {
      if (!looksLikeAgentKey(key)) return null;
      const hash = keyDigest(key);
      const hit = cache.get(hash);
      const t = now();
      if (hit && hit.until > t) return hit.identity;
      const inflight = pending.get(hash);
      if (inflight) return inflight;
      const lookup = findLiveKey(opts.db, hash)
        .then((row) => {
          const identity = row ? identityOf(row) : null;
          if (cache.size >= MAX_ENTRIES) cache.clear();
          cache.set(hash, { identity, until: now() + opts.ttlMs });
          return identity;
        })
        .finally(() => pending.delete(hash));
      pending.set(hash, lookup);
      return lookup;
    },
  };
}
