import { busSubjects } from "@wa/bus";
import type { LogLike } from "@wa/observability";
import type { BusLink } from "./bus-link.js";

interface InboundNote {
  customerId: string;
  wamid: string;
}

/**
 * "A customer wrote", as the webhook processor publishes it on core NATS. Best effort by design: a note lost while
 * NATS is down only delays an agent, because wait_for_messages also re-reads Postgres and the rows are the truth.
 */
export interface InboundFeed {
  /** Calls `listener` for every note until the returned function is called. */
  listen(listener: (n: InboundNote) => void): () => void;
  /** Subscribes when NATS has come up since; true while notes can arrive. */
  live(): boolean;
  close(): void;
}

export function createInboundFeed(bus: Pick<BusLink, "nc" | "names">, log: LogLike): InboundFeed {
  const listeners = new Set<(n: InboundNote) => void>();
  const subject = busSubjects(bus.names).inboundNew;
  let sub: { unsubscribe(): void } | null = null;

  const ensure = (): void => {
    if (sub !== null) return;
    const nc = bus.nc();
    if (nc === null) return; // NATS not up yet: the next listen() tries again
    sub = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return void log.warn({ err }, "inbound feed subscription error");
        const note = parse(msg.string());
        if (note === null) return;
        for (const l of listeners) l(note);
      },
    });
  };

  return {
    listen(listener) {
      listeners.add(listener);
      ensure();
      return () => listeners.delete(listener);
    },
    live() {
      ensure();
      return sub !== null;
    },
    close() {
      listeners.clear();
      sub?.unsubscribe();
      sub = null;
    },
  };
}

function parse(text: string): InboundNote | null {
  try {
    const v = JSON.parse(text) as { customer_id?: unknown; wamid?: unknown };
    return typeof v.customer_id === "string" && typeof v.wamid === "string"
      ? { customerId: v.customer_id, wamid: v.wamid }
      : null;
  } catch {
    return null;
  }
}
