import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection, type Status } from "@nats-io/transport-node";
import { silentLogger, type BusLogger } from "./logger.js";

export type ConnectBusOptions = {
  readonly url: string;
  readonly name: string; // client name shown by the server (connz), e.g. the service name
  readonly log?: BusLogger;
};

export type Bus = {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Drains (flushes pending acks and publishes, then closes). Idempotent. */
  close(): Promise<void>;
};

/** Connects with endless reconnects; the first connect still fails fast so a misconfigured URL is seen. */
export async function connectBus(opts: ConnectBusOptions): Promise<Bus> {
  const log = opts.log ?? silentLogger;
  // noAsyncTraces: otherwise every request/publish builds two or three Error objects (stack captures) up
  // front just in case it fails: a third of a campaign page's CPU. Our errors keep their cause (BusError).
  const nc = await connect({ servers: opts.url, name: opts.name, maxReconnectAttempts: -1, noAsyncTraces: true });
  void watchStatus(nc, log);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc).catch(async (err: unknown) => {
    await nc.close();
    throw err;
  });
  log.info({ server: nc.getServer() }, "nats connected");
  let closing: Promise<void> | null = null;
  return {
    nc,
    js,
    jsm,
    close: () => (closing ??= drain(nc)),
  };
}

async function drain(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  await nc.drain().catch(() => nc.close());
}

async function watchStatus(nc: NatsConnection, log: BusLogger): Promise<void> {
  for await (const s of nc.status()) logStatus(s, log);
}

function logStatus(s: Status, log: BusLogger): void {
  switch (s.type) {
    case "disconnect":
      log.warn({ server: s.server }, "nats disconnected");
      return;
    case "reconnect":
      log.info({ server: s.server }, "nats reconnected");
      return;
    case "error":
      log.error({ err: s.error }, "nats error");
      return;
    case "ldm":
      log.warn({ server: s.server }, "nats server entering lame duck mode");
      return;
    case "slowConsumer":
      log.warn({ pending: s.pending }, "nats slow consumer");
      return;
    case "staleConnection":
      log.warn({}, "nats stale connection");
      return;
    default:
      return;
  }
}
