import { setTimeout as sleep } from "node:timers/promises";
import type { ConsumerMessages, JetStreamClient } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { createFaultLog } from "./fault-log.js";
import { Gate } from "./gate.js";
import type { BusLogger } from "./logger.js";
import { defaultOnThrow, settle, type OnThrow, type SettleDeps } from "./settle.js";
import { DELIVERY_BACKOFF_MS } from "./topology.js";
import type { Handler } from "./verdict.js";

export type RunConsumerOptions = {
  readonly js: JetStreamClient;
  readonly stream: string;
  readonly consumer: string;
  readonly handle: Handler;
  readonly inFlight: number; // max concurrent handlers; also the pull batch size
  readonly log: BusLogger;
  readonly onThrow?: OnThrow; // default: retry with backoffMs by deliveryCount, drop on the last attempt
  readonly backoffMs?: readonly number[]; // default DELIVERY_BACKOFF_MS
  readonly restartDelayMs?: number; // pause before re-consuming after a failure; default 1000
};

export type ConsumerRunner = {
  /** Stops pulling, lets handlers already started (and messages already buffered) finish, then resolves. */
  close(): Promise<void>;
};

export function runConsumer(opts: RunConsumerOptions): ConsumerRunner {
  if (!Number.isInteger(opts.inFlight) || opts.inFlight < 1)
    throw new RangeError(`inFlight must be a positive integer, got ${opts.inFlight}`);
  const stop = new AbortController();
  const done = loop(opts, stop.signal);
  return {
    close: async () => {
      stop.abort();
      await done;
    },
  };
}

async function loop(opts: RunConsumerOptions, signal: AbortSignal): Promise<void> {
  const fields = { stream: opts.stream, consumer: opts.consumer };
  const onThrow = opts.onThrow ?? defaultOnThrow(opts.backoffMs ?? DELIVERY_BACKOFF_MS);
  const faults = createFaultLog({ log: opts.log, what: "handler threw", fields });
  while (!signal.aborted) {
    try {
      const consumer = await opts.js.consumers.get(opts.stream, opts.consumer);
      const { config } = await consumer.info(true);
      if (signal.aborted) break;
      const batch = await consumer.consume({ max_messages: opts.inFlight });
      const deps: SettleDeps = {
        handle: opts.handle,
        onThrow,
        log: opts.log,
        faults,
        maxDeliver: config.max_deliver ?? -1,
        fields,
      };
      await drainBatch(batch, opts.inFlight, deps, signal);
    } catch (err) {
      if (err instanceof errors.ClosedConnectionError) {
        opts.log.error({ ...fields, err }, "nats connection closed: consumer stopped");
        faults.close();
        return;
      }
      opts.log.warn({ ...fields, err }, "consume failed; retrying");
    }
    if (!signal.aborted) await pause(opts.restartDelayMs ?? 1000, signal);
  }
  faults.close();
  opts.log.info(fields, "consumer closed");
}

async function drainBatch(
  batch: ConsumerMessages,
  inFlight: number,
  deps: SettleDeps,
  signal: AbortSignal,
): Promise<void> {
  // close() puts the end marker behind messages already buffered: they are still handled (max_messages
  // is small), which spends no extra delivery attempt, unlike letting them time out.
  const onAbort = (): void => void batch.close();
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort(); // aborted while consume() was being set up
  void watchBatch(batch, deps);
  const gate = new Gate(inFlight);
  const withGate: SettleDeps = { ...deps, gate };
  try {
    for await (const msg of batch) await gate.run(() => settle(msg, withGate));
  } finally {
    await gate.idle();
    signal.removeEventListener("abort", onAbort);
  }
}

/** Heartbeats missed means the pull is stale (server restart, consumer gone): stop and re-consume. */
async function watchBatch(batch: ConsumerMessages, deps: SettleDeps): Promise<void> {
  for await (const s of batch.status()) {
    switch (s.type) {
      case "heartbeats_missed":
        deps.log.warn({ ...deps.fields, count: s.count }, "heartbeats missed: re-consuming");
        void batch.close();
        return;
      case "consumer_deleted":
      case "consumer_not_found":
      case "stream_not_found":
        deps.log.error({ ...deps.fields, status: s.type }, "consumer unavailable");
        break;
      default:
        break;
    }
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => {});
}
