/**
 * A tiny in-process cache: values live `ttlMs` on the monotonic clock `now` (not the injected business
 * clock, which tests freeze or move by days); concurrent misses share one load.
 */
export function createTtlCache<V>(ttlMs: number, now: () => number) {
  const values = new Map<string, { value: V; until: number }>();
  const loading = new Map<string, Promise<V>>();
  let generation = 0;

  return {
    /** The cached value if fresh (sync fast path), else undefined. */
    peek(key: string): V | undefined {
      const hit = values.get(key);
      return hit && hit.until > now() ? hit.value : undefined;
    },
    async load(key: string, load: () => Promise<V>): Promise<V> {
      const hit = values.get(key);
      if (hit && hit.until > now()) return hit.value;
      const pending = loading.get(key);
      if (pending) return pending;
      const gen = generation;
      const p = load().then(
        (value) => {
          // A load started before an invalidation must not repopulate the cache with old data.
          if (gen === generation) values.set(key, { value, until: now() + ttlMs });
          loading.delete(key);
          return value;
        },
        (err: unknown) => {
          loading.delete(key);
          throw err;
        },
      );
      loading.set(key, p);
      return p;
    },
    delete(key: string): void {
      values.delete(key);
      loading.delete(key);
      generation += 1;
    },
    clear(): void {
      values.clear();
      loading.clear();
      generation += 1;
    },
  };
}
