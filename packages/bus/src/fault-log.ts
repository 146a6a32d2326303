import type { BusLogger } from "./logger.js";

export type FaultLogOptions = {
  readonly log: BusLogger;
  readonly what: string; // e.g. "handler threw", "webhook inbox drain failed"
  readonly fields?: Readonly<Record<string, unknown>>;
  /** While failing, one summary line this often (default 60 s). */
  readonly summaryEveryMs?: number;
  /** A fault not seen for this long is over (default 10 s). */
  readonly clearAfterMs?: number;
  readonly now?: () => number;
};

export type FaultLog = {
  /** Records one failure: logged in full when it starts a fault episode, otherwise only counted. */
  fault(err: unknown, extra?: Readonly<Record<string, unknown>>, level?: "warn" | "error"): void;
  /** Ends the episode early (the work succeeded): logs the count once. */
  ok(): void;
  /** Closes an episode whose quiet time has passed; called by the timer, exposed for tests. */
  tick(): void;
  close(): void;
};

type Episode = { started: number; last: number; count: number; counted: number; reported: number; kinds: Set<string> };

const MAX_KINDS_LOGGED = 3;

/** A short name for a fault, without the payload: its code, else its class and first words. */
export function faultKind(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (e && typeof e.code === "string" && e.code) return e.code;
  const name = e && typeof e.name === "string" ? e.name : typeof err;
  const message = e && typeof e.message === "string" ? e.message : String(err);
  return `${name}: ${message.slice(0, 60)}`;
}

/**
 * Logs an outage once per state change instead of once per failed message: the first failure of an episode in
 * full (with its stack), a new kind of failure in one line (at most three), one summary with the count per
 * `summaryEveryMs` while it lasts, and one line with the total when it is over (`clearAfterMs` without a
 * failure, or `ok()`). A 90 s Postgres outage is then a handful of lines per process, not one per message.
 */
export function createFaultLog(opts: FaultLogOptions): FaultLog {
  const now = opts.now ?? Date.now;
  const summaryEveryMs = opts.summaryEveryMs ?? 60_000;
  const clearAfterMs = opts.clearAfterMs ?? 10_000;
  const fields = opts.fields ?? {};
  let ep: Episode | null = null;
  let timer: NodeJS.Timeout | undefined;

  const end = (why: string): void => {
    if (!ep) return;
    opts.log.info(
      { ...fields, failures: ep.count, duration_ms: ep.last - ep.started, kinds: [...ep.kinds] },
      `${opts.what}: over (${why})`,
    );
    ep = null;
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const tick = (): void => {
    if (!ep) return;
    const t = now();
    if (t - ep.last >= clearAfterMs) return end(`no failure for ${Math.round(clearAfterMs / 1000)} s`);
    if (t - ep.reported >= summaryEveryMs) {
      opts.log.warn(
        { ...fields, failures: ep.count, since_last_summary: ep.count - ep.counted, duration_ms: t - ep.started },
        `${opts.what}: still failing`,
      );
      ep.counted = ep.count;
      ep.reported = t;
    }
  };

  return {
    fault(err, extra = {}, level = "error") {
      const t = now();
      const kind = faultKind(err);
      if (!ep) {
        ep = { started: t, last: t, count: 1, counted: 1, reported: t, kinds: new Set([kind]) };
        opts.log[level](
          { ...fields, ...extra, err },
          `${opts.what}; repeats are counted, not logged, until it is over`,
        );
        timer = setInterval(tick, Math.min(summaryEveryMs, clearAfterMs) / 2);
        timer.unref();
        return;
      }
      ep.count += 1;
      ep.last = t;
      if (!ep.kinds.has(kind) && ep.kinds.size < MAX_KINDS_LOGGED) {
        ep.kinds.add(kind);
        opts.log.warn(
          { ...fields, ...extra, fault: kind, failures: ep.count },
          `${opts.what}: another kind of failure`,
        );
      }
      tick();
    },
    ok: () => end("succeeded again"),
    tick,
    close: () => end("closed"),
  };
}
