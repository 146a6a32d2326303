import { busNames, TEST_NATS_URL } from "@wa/testkit";
import { connectBus, ensureTopology, topology, type Bus, type BusLogger, type BusNames } from "../src/index.js";

export type LogLine = { level: "info" | "warn" | "error"; obj: object; msg: string | undefined };

/** A logger that remembers lines, so tests can assert on what was logged. */
export function memoryLogger(): BusLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, obj, msg });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

/** One connection per test file plus fresh names (own streams) per test; everything deleted in cleanup(). */
export async function openTestBus(
  name: string,
): Promise<{ bus: Bus; fresh(): Promise<BusNames>; track(names: BusNames): BusNames; cleanup(): Promise<void> }> {
  const bus = await connectBus({ url: TEST_NATS_URL, name });
  const created: BusNames[] = [];
  return {
    bus,
    async fresh() {
      const names = busNames();
      created.push(names);
      await ensureTopology(bus.jsm, names);
      return names;
    },
    track(names) {
      created.push(names);
      return names;
    },
    async cleanup() {
      for (const names of created) await deleteStreams(bus, names);
      await bus.close();
    },
  };
}

export async function deleteStreams(bus: Bus, names: BusNames): Promise<void> {
  for (const { stream } of Object.values(topology(names))) {
    await bus.jsm.streams.delete(stream.name).catch(() => false);
  }
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = "condition",
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Messages still stored and messages delivered but not yet acked, for one stream/consumer. */
export async function backlog(
  bus: Bus,
  stream: string,
  consumer: string,
): Promise<{ stored: number; ackPending: number }> {
  const si = await bus.jsm.streams.info(stream);
  const ci = await bus.jsm.consumers.info(stream, consumer);
  return { stored: si.state.messages, ackPending: ci.num_ack_pending };
}
