import { runConsumer, type BusNames, type JetStreamClient } from "@wa/bus";
import { createDeliveryHandler } from "./handler.js";
import type { DeliveryDeps } from "./types.js";

export interface DeliveryWorkerOptions extends DeliveryDeps {
  readonly js: JetStreamClient;
  readonly names: BusNames;
  readonly concurrency: number; // DELIVERY_CONCURRENCY: messages this process sends at once
  readonly drainGraceMs?: number; // on close, token waits may finish for this long before they are cut; default 2000
}

export interface DeliveryWorker {
  /** Stops pulling, lets sends in flight finish (waits are cut after the grace), then resolves. */
  close(): Promise<void>;
}

/** The `delivery-workers` pull consumer over the delivery handler. */
export function startDeliveryWorker(o: DeliveryWorkerOptions): DeliveryWorker {
  const stop = new AbortController();
  const handle = createDeliveryHandler(o, stop.signal);
  const consumer = o.names.DELIVERY_CONSUMER;
  const runner = runConsumer({
    js: o.js, stream: o.names.DELIVERY_STREAM, consumer, inFlight: o.concurrency, log: o.log,
    handle: async (ctx) => {
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
        }
      })()),
  };
}
