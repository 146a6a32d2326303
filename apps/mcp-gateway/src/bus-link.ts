import { connectBus, type Bus, type BusNames, type JetStreamClient, type NatsConnection } from "@wa/bus";
import type { LogLike } from "@wa/observability";

/** NATS that may come later: tools publish when it is up; when down the Postgres row is the truth. */
export interface BusLink {
  readonly names: BusNames;
  js(): JetStreamClient | null;
  nc(): NatsConnection | null; // core NATS (the inbound feed subscribes here)
  close(): Promise<void>;
}

export interface BusLinkOptions {
  url: string;
  names: BusNames;
  log: LogLike;
  retryMs?: number;
  onConnect?: (bus: Bus) => Promise<void>; // e.g. the topology check
}

/** Connects in the background and keeps trying until it succeeds (nats.js reconnects after that). */
export function createBusLink(opts: BusLinkOptions): BusLink & { ready: Promise<boolean> } {
  let bus: Bus | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let settle!: (up: boolean) => void; // assigned synchronously by the executor below
  const ready = new Promise<boolean>((resolve) => (settle = resolve));
  let warned = false;

  const attempt = async (): Promise<void> => {
    let connected: Bus | null = null;
    try {
      connected = await connectBus({ url: opts.url, name: "mcp-gateway", log: opts.log });
      if (closed) return void (await connected.close());
      await opts.onConnect?.(connected);
      bus = connected;
      settle(true);
    } catch (err) {
      // A connection whose topology check failed is not kept: close it before the next attempt opens another.
      await connected?.close().catch(() => undefined);
      if (!warned) opts.log.warn({ err }, "nats unreachable; sends stay queued in Postgres until it is back");
      warned = true;
      settle(false);
      if (!closed) timer = setTimeout(() => void attempt(), opts.retryMs ?? 2000);
    }
  };
  void attempt();

  return {
    names: opts.names,
    ready,
    js: () => bus?.js ?? null,
    nc: () => bus?.nc ?? null,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await bus?.close();
    },
  };
}
