interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (out: O) => void;
  readonly reject: (err: unknown) => void;
}

export interface CoalesceOptions {
  readonly maxBatch?: number; // default 128
  readonly onBatch?: (size: number) => void;
}

/**
 * One statement or one Redis call for many calls (issue 19: a statement and a commit per message were most of the
 * delivery worker's Postgres cost, and each loopback round trip costs more CPU than the work it carries). Calls
 * that arrive while a batch runs wait and go together in the next, so the batch grows with the load; a lone call
 * goes at once (with the calls made in the same tick). `many` answers one output per input, in order. A failed
 * batch is run again item by item, so one bad item cannot fail the others; a lone item's fault is its caller's.
 */
export function coalesce<I, O>(
  many: (items: readonly I[]) => Promise<readonly O[]>,
  opts: CoalesceOptions = {},
): (item: I) => Promise<O> {
  const maxBatch = opts.maxBatch ?? 128;
  let queue: Pending<I, O>[] = [];
  let running = false;

  const one = (p: Pending<I, O>) => many([p.item]).then((out) => p.resolve(out[0]!), p.reject);

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      opts.onBatch?.(batch.length);
      if (batch.length === 1) {
        await one(batch[0]!);
        continue;
      }
      try {
        const out = await many(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(out[i]!));
      } catch {
        await Promise.all(batch.map(one));
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      running = true;
      queueMicrotask(() => void drain()); // the calls of this tick (a body's statuses, say) go in the first batch
    });
}
