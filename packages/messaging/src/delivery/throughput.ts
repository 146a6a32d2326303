import type { Db } from "@wa/db";
import type { LogLike } from "@wa/observability";
import type { Limiter } from "@wa/ratelimit";

export interface ThroughputSyncOptions {
  readonly db: Db;
  readonly limiter: Limiter;
  readonly log: LogLike;
  readonly headroomPct: number; // THROUGHPUT_HEADROOM_PCT: we pace this far under each number's limit
  readonly refreshMs: number; // THROUGHPUT_REFRESH_SECS: phone_numbers is read again this often
}

export interface ThroughputSync {
  /** Reads every number's throughput_mps and hands the pace to the limiter (resolves after the first read). */
  readonly ready: Promise<void>;
  close(): void;
}

/** The pace for a number whose limit is `mps`: a little under it, so requests arriving bunched never overrun Meta. */
export const paceOf = (mps: number, headroomPct: number): number =>
  Math.max(1, Math.floor(mps * (100 - headroomPct)) / 100);

/**
 * Each number's throughput is phone_numbers.throughput_mps (80 by default, raised by the THROUGHPUT_UPGRADE
 * webhook). Read here every `refreshMs`, never per message: the limiter keeps each number's pace in its Redis
 * key (read inside the take script, so the hot path costs nothing more) and in process. A number without a row
 * keeps the limiter's default (THROUGHPUT_MPS). A failed read keeps the last paces.
 */
export function startThroughputSync(o: ThroughputSyncOptions): ThroughputSync {
  const known = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failing = false; // one line when reads start failing and one when they work again, not one per period

  function failed(err: unknown, what: string): void {
    if (!failing) o.log.warn({ err }, what);
    failing = true;
  }

  async function refresh(): Promise<void> {
    const rows = await o.db
      .selectFrom("phone_numbers")
      .select(["phone_number_id", "throughput_mps"])
      .where("active", "=", true)
      .execute();
    // Every pace is written again each time (one SET per number): a Redis that lost its keys is healed too.
    await Promise.all(
      rows.map(async (r) => {
        const pace = paceOf(r.throughput_mps, o.headroomPct);
        await o.limiter.setThroughput(r.phone_number_id, pace);
        const before = known.get(r.phone_number_id);
        if (before !== undefined && before !== pace)
          o.log.info(
            { phone_number_id: r.phone_number_id, throughput_mps: r.throughput_mps, pace },
            "throughput changed",
          );
        known.set(r.phone_number_id, pace);
      }),
    );
    if (failing) o.log.info({ numbers: rows.length }, "throughput read again");
    failing = false;
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      refresh()
        .catch((err: unknown) => failed(err, "throughput read failed: keeping the last paces until it works"))
        .finally(schedule);
    }, o.refreshMs);
    timer.unref();
  }

  const ready = refresh()
    .catch((err: unknown) => failed(err, "throughput read failed: pacing at THROUGHPUT_MPS until it works"))
    .finally(schedule);
  return {
    ready,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
