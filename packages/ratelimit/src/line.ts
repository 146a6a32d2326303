/**
 * In-process FIFO per phone number: only the head of a number's line asks Redis for a token. Without it every
 * waiter of a saturated number wakes after each refill and all but one find the bucket empty again (hundreds
 * of waiters at 80 msg/s were thousands of script calls per second, all wasted).
 */
export type Lines = {
  /** Resolves when the caller is the head of `id`'s line; rejects with `signal.reason` if aborted first. */
  enter(id: string, signal?: AbortSignal): Promise<void>;
  /** The head leaves: the next waiter (if any) becomes head. */
  leave(id: string): void;
};

export function createLines(): Lines {
  const lines = new Map<string, (() => void)[]>(); // present = someone is head; the array holds the waiters

  return {
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
