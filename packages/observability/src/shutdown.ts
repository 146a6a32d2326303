import type { LogLike } from "./logger.js";

interface Closable {
  close(): unknown; // may return a promise
}

export interface ShutdownOptions {
  log: LogLike;
  deadlineMs: number;
  exit?: (code: number) => void; // default process.exit; tests inject a recorder
}

export interface Shutdown {
  /** Registers `resource.close()` under `name` and returns the resource. */
  track<T extends Closable>(name: string, resource: T): T;
  add(name: string, close: () => unknown): void;
  /** Closes everything in reverse order once; resolves (and exits with) 0 when clean, 1 on a failure or the deadline. */
  run(reason: string): Promise<number>;
  /** SIGTERM/SIGINT → run(); a second signal exits 1 at once. Returns an unsubscribe. */
  onSignals(signals?: readonly NodeJS.Signals[]): () => void;
}

interface Closer {
  name: string;
  close: () => unknown;
}

export function createShutdown(opts: ShutdownOptions): Shutdown {
  const { log, deadlineMs } = opts;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const closers: Closer[] = [];
  let running: Promise<number> | undefined;
  let unsubscribe: (() => void) | undefined;

  const add = (name: string, close: () => unknown): void => {
    // Started late (e.g. a connect that finished after SIGTERM): close it now, nobody else will.
    if (running) void closeOne({ name, close }, log);
    else closers.push({ name, close });
  };

  const run = (reason: string): Promise<number> => {
    running ??= execute(reason);
    return running;
  };

  async function execute(reason: string): Promise<number> {
    log.info({ reason, closers: closers.length }, "shutting down");
    const progress = { current: "" };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), deadlineMs);
    });
    const outcome = await Promise.race([closeAll(closers.toReversed(), log, progress), deadline]);
    clearTimeout(timer);
    const code = outcome === true ? 0 : 1;
    if (outcome === "deadline")
      log.error({ deadline_ms: deadlineMs, waiting_on: progress.current }, "shutdown deadline passed");
    log.info({ code }, "shutdown finished");
    exit(code);
    return code;
  }

  const onSignals = (signals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"]): (() => void) => {
    if (unsubscribe) return unsubscribe;
    let received = 0;
    const handler = (signal: NodeJS.Signals): void => {
      received += 1;
      if (received === 1) {
        void run(signal);
        return;
      }
      log.warn({ signal }, "second signal, exiting now");
      exit(1);
    };
    for (const signal of signals) process.on(signal, handler);
    unsubscribe = () => {
      for (const signal of signals) process.off(signal, handler);
    };
    return unsubscribe;
  };

  return {
    track: (name, resource) => {
      add(name, () => resource.close());
      return resource;
    },
    add,
    run,
    onSignals,
  };
}

async function closeAll(closers: readonly Closer[], log: LogLike, progress: { current: string }): Promise<boolean> {
  let clean = true;
  for (const closer of closers) {
    progress.current = closer.name;
    clean = (await closeOne(closer, log)) && clean;
  }
  return clean;
}

async function closeOne(closer: Closer, log: LogLike): Promise<boolean> {
  const started = performance.now();
  try {
    await closer.close();
    log.debug({ closer: closer.name, ms: Math.round(performance.now() - started) }, "closed");
    return true;
  } catch (err) {
    log.error({ err, closer: closer.name }, "close failed");
    return false;
  }
}
