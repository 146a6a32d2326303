import { type Bus, type BusNames, connectBus, publishWebhookBody } from "@wa/bus";
import type { LogLike } from "@wa/observability";

export interface BusLink {
  /** Publishes a raw body; throws when NATS is unreachable or not connected yet. */
  publish(body: Uint8Array, receivedAt: number): Promise<{ duplicate: boolean }>;
  /** False while disconnected: the receiver goes straight to the inbox instead of waiting for a timeout. */
  up(): boolean;
  bus(): Bus | null;
  close(): Promise<void>;
}

/**
 * A NATS link that never blocks startup: the receiver must answer Meta (via the Postgres inbox) even when
 * NATS is down when it starts, so the first connect is retried in the background every `retryMs`.
 */
export function createBusLink(opts: {
  url: string;
  name: string;
  names: BusNames;
  log: LogLike;
  timeoutMs: number;
  retryMs?: number;
}): BusLink {
  let bus: Bus | null = null;
  let connected = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const watch = async (b: Bus): Promise<void> => {
    for await (const s of b.nc.status()) {
      if (s.type === "disconnect") connected = false;
      if (s.type === "reconnect") connected = true;
    }
  };
  const attempt = async (): Promise<void> => {
    try {
      const b = await connectBus({ url: opts.url, name: opts.name, log: opts.log });
      if (closed) return void (await b.close());
      bus = b;
      connected = true;
      void watch(b);
    } catch (err) {
      opts.log.warn(
        { err: { message: (err as Error).message } },
        "nats unreachable; webhooks go to the Postgres inbox",
      );
      if (!closed) timer = setTimeout(() => void attempt(), opts.retryMs ?? 1000);
    }
  };
  const first = attempt();

  return {
    async publish(body, receivedAt) {
      if (!bus || !connected) throw new Error("nats not connected");
      return publishWebhookBody(bus.js, opts.names, body, { receivedAt, timeoutMs: opts.timeoutMs });
    },
    up: () => bus !== null && connected && !bus.nc.isClosed(),
    bus: () => bus,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await first;
      await bus?.close();
    },
  };
}
