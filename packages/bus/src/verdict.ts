import type { z } from "zod";

/** What a handler decided; runConsumer turns it into ack / nak(delay) / term(). */
export type Verdict =
  | { readonly do: "ack" }
  | { readonly do: "retry"; readonly afterMs: number }
  | { readonly do: "drop"; readonly why: string };

export const verdict = {
  ack: (): Verdict => ({ do: "ack" }),
  retry: (afterMs: number): Verdict => ({ do: "retry", afterMs }),
  drop: (why: string): Verdict => ({ do: "drop", why }),
} as const;

export type MessageContext = {
  readonly subject: string;
  readonly seq: number; // stream sequence
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly deliveryCount: number; // 1 on the first delivery
  readonly isLastAttempt: boolean; // deliveryCount >= max_deliver of the consumer
  /** Parses the body as JSON against schema; throws BusError BAD_ENVELOPE (dropped, not retried). */
  json<S extends z.ZodType>(schema: S): z.output<S>;
  /** Extends the ack deadline by another ack_wait, e.g. while waiting for a rate-limit token. */
  working(): void;
  /**
   * Runs `wait` without holding one of the consumer's `inFlight` slots (a rate-limit wait: other messages
   * go meanwhile), then takes a slot back before returning. Absent outside runConsumer: run `wait` as is.
   */
  outsideSlot?<T>(wait: () => Promise<T>): Promise<T>;
};

export type Handler = (ctx: MessageContext) => Promise<Verdict>;

/** Delay before the next attempt after attempt `deliveryCount` failed; the last entry repeats. */
export function backoffMs(deliveryCount: number, schedule: readonly number[]): number {
  const i = Math.min(Math.max(deliveryCount, 1), schedule.length) - 1;
  return schedule[i] ?? 0;
}
