import { setMaxListeners } from "node:events";
import { runConsumer, type BusNames, type JetStreamClient } from "@wa/bus";
import { createDeliveryHandler } from "./handler.js";
import { startThroughputSync } from "./throughput.js";
import type { DeliveryDeps } from "./types.js";

export interface DeliveryWorkerOptions extends DeliveryDeps {
  readonly js: JetStreamClient;
  readonly names: BusNames;
  readonly concurrency: number; // DELIVERY_CONCURRENCY: messages this process sends at once
  readonly drainGraceMs?: number; // on close, token waits may finish for this long before they are cut; default 2000
  readonly paceFromStart?: boolean; // empty the numbers' token buckets before the first send; default true
  /** Pace each number from phone_numbers.throughput_mps, read again every refreshMs; without it the limiter's own settings. */
  readonly throughput?: { readonly headroomPct: number; readonly refreshMs: number };
}

export interface DeliveryWorker {
  /** Stops pulling, lets sends in flight finish (waits are cut after the grace), then resolves. */
  close(): Promise<void>;
}

/**
 * A (re)started worker would otherwise spend a full second of tokens at once on cold connections; that
 * burst reaches Meta late and bunched, while our bucket already refills, and Meta answers 130429. Starting
 * from an empty bucket paces the very first second too (it costs at most one second of throughput).
 */
const LIVE_BUCKET_MS = 500;

async function emptyBucket(o: DeliveryWorkerOptions, phoneNumberId: string): Promise<void> {
  // A bucket taken from in the last half second is being paced by a live replica: what it holds is that replica's
  // catch-up after a slow second (its own start), and draining it would lose throughput for good. A bucket idle
  // longer (nobody sending, or a replica that stopped or died before this one booted) is drained.
  const seen = await o.limiter.peek(phoneNumberId);
  const last = seen.last_update_at === null ? Number.NaN : Date.parse(seen.last_update_at);
  if (seen.source === "redis" && Date.now() - last < LIVE_BUCKET_MS) return;
  // Bounded by time, not count: on a loaded machine one take can outlast the refill of a token (1 ms at
  // 1,000 mps), so the bucket never runs dry and a count bound held the first send back for many seconds.
  const until = Date.now() + 1000;
  while (Date.now() < until) if (!(await o.limiter.take(phoneNumberId)).ok) return;
}

/** Every number's pace read first (so the buckets are sized right), then every number's bucket emptied. */
async function prepare(o: DeliveryWorkerOptions, throughputReady: Promise<void>): Promise<void> {
  await throughputReady;
  if (o.paceFromStart === false) return;
  const ids = o.numbers?.all ?? [o.phoneNumberId];
  await Promise.all(ids.map((id) => emptyBucket(o, id).catch(() => {})));
}

/** The `delivery-workers` pull consumer over the delivery handler. */
export function startDeliveryWorker(o: DeliveryWorkerOptions): DeliveryWorker {
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every waiting send listens on it (one per message in flight)
  // As many of one number's messages may wait outside the slots as may work in them.
  const handle = createDeliveryHandler({ ...o, parkedPerNumber: o.parkedPerNumber ?? o.concurrency }, stop.signal);
  const consumer = o.names.DELIVERY_CONSUMER;
  const sync = o.throughput
    ? startThroughputSync({ db: o.db, limiter: o.limiter, log: o.log, ...o.throughput })
    : undefined;
  const ready = prepare(o, sync?.ready ?? Promise.resolve());
  const runner = runConsumer({
    js: o.js,
    stream: o.names.DELIVERY_STREAM,
    consumer,
    inFlight: o.concurrency,
    log: o.log,
    handle: async (ctx) => {
      await ready;
      const v = await handle(ctx);
      o.metrics?.consumerMessages.inc({ consumer, verdict: v.do });
      return v;
    },
  });
  let closing: Promise<void> | null = null;
  return {
    close: () =>
      (closing ??= (async () => {
        const done = runner.close();
        const timer = setTimeout(() => stop.abort(), o.drainGraceMs ?? 2000);
        try {
          await done;
        } finally {
          clearTimeout(timer);
          sync?.close();
        }
      })()),
  };
}
