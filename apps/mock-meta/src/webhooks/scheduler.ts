const TICK_MS = 10; // events due within one tick share a flush, which is what batches them

export interface Scheduler<T> {
  at(dueMs: number, item: T): void;
  readonly size: number;
  clear(): void;
}

/** Time-bucketed queue with a single timer: thousands of due events per second cost one timer, not thousands. */
export function createScheduler<T>(onDue: (items: T[]) => void): Scheduler<T> {
  const buckets = new Map<number, T[]>();
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerTick = Number.POSITIVE_INFINITY;

  const arm = (tick: number): void => {
    if (timer !== undefined && timerTick <= tick) return;
    if (timer !== undefined) clearTimeout(timer);
    timerTick = tick;
    timer = setTimeout(fire, Math.max(0, tick * TICK_MS - Date.now()));
  };

  function fire(): void {
    timer = undefined;
    timerTick = Number.POSITIVE_INFINITY;
    const nowTick = Math.floor(Date.now() / TICK_MS);
    const due = [...buckets.keys()].filter((k) => k <= nowTick).toSorted((a, b) => a - b);
    const items: T[] = [];
    for (const k of due) {
      for (const item of buckets.get(k) ?? []) items.push(item);
      buckets.delete(k);
    }
    count -= items.length;
    let next = Number.POSITIVE_INFINITY;
    for (const k of buckets.keys()) if (k < next) next = k;
    if (next !== Number.POSITIVE_INFINITY) arm(next);
    if (items.length > 0) onDue(items);
  }

  return {
    at(dueMs, item) {
      const tick = Math.ceil(dueMs / TICK_MS);
      const bucket = buckets.get(tick);
      if (bucket === undefined) buckets.set(tick, [item]);
      else bucket.push(item);
      count += 1;
      arm(tick);
    },
    get size() {
      return count;
    },
    clear() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      timerTick = Number.POSITIVE_INFINITY;
      buckets.clear();
      count = 0;
    },
  };
}
