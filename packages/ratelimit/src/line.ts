/**
 * In-process FIFO per phone number: once a number's bucket ran dry, only the head of its line asks Redis for a
 * token. Without it every waiter of a saturated number wakes after each refill and all but one find the bucket
 * empty again (hundreds of waiters at 80 msg/s were thousands of script calls per second, all wasted). While
 * nobody waits, takes go straight to Redis side by side: one at a time would cap a 1,000 mps number at one
 * process's Redis round trips per second.
 */
export type Lines = {
  /** Whether someone is in `id`'s line (its bucket ran dry): a new caller then queues instead of taking. */
  busy(id: string): boolean;
  /** Resolves when the caller is the head of `id`'s line; rejects with `signal.reason` if aborted first. */
  enter(id: string, signal?: AbortSignal): Promise<void>;
  /** The head leaves: the next waiter (if any) becomes head. */
  leave(id: string): void;
};

export function createLines(): Lines {
  const lines = new Map<string, (() => void)[]>(); // present = someone is head; the array holds the waiters

  return {
    busy: (id) => lines.has(id),
    enter(id, signal) {
      signal?.throwIfAborted();
      const waiters = lines.get(id);
      if (!waiters) {
        lines.set(id, []);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = waiters.indexOf(go);
          if (i >= 0) waiters.splice(i, 1);
          reject(signal?.reason);
        };
        const go = (): void => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        waiters.push(go);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    leave(id) {
      const waiters = lines.get(id);
      const next = waiters?.shift();
      if (next) next();
      else lines.delete(id);
    },
  };
}
