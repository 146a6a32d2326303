/**
 * A counting semaphore. run() resolves once fn has a slot and has started (not when it ends),
 * so a reader awaiting run() stays at most `limit` items ahead of the work.
 */
export class Gate {
  readonly #limit: number;
  #active = 0;
  #outside = 0; // holders that gave their slot back for a wait (still running: idle() waits for them)
  readonly #waiters: (() => void)[] = [];
  readonly #idle: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`gate limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  async run(fn: () => Promise<void>): Promise<void> {
    while (this.#active >= this.#limit) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#active++;
    const release = (): void => this.#release();
    void fn().then(release, release); // callers handle their own errors; a rejection only frees the slot
  }

  /**
   * Runs `wait` (from inside a running fn) with its slot given back, then takes a slot again before returning,
   * ahead of fns not yet started: a fn waiting for something else (a rate-limit token) does not hold a slot.
   */
  async outside<T>(wait: () => Promise<T>): Promise<T> {
    this.#outside++;
    this.#active--;
    this.#waiters.shift()?.();
    try {
      return await wait();
    } finally {
      while (this.#active >= this.#limit) await new Promise<void>((resolve) => this.#waiters.unshift(resolve));
      this.#active++;
      this.#outside--;
    }
  }

  /** Resolves when nothing is running. */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#outside === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #release(): void {
    this.#active--;
    this.#waiters.shift()?.();
    if (this.#active === 0 && this.#outside === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
