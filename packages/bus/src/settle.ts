import type { JsMsg } from "@nats-io/jetstream";
import type { z } from "zod";
import { decodeEnvelope } from "./envelopes.js";
import { isBusError } from "./errors.js";
import type { FaultLog } from "./fault-log.js";
import type { Gate } from "./gate.js";
import type { BusLogger } from "./logger.js";
import { backoffMs, verdict, type Handler, type MessageContext, type Verdict } from "./verdict.js";

export type OnThrow = (err: unknown, ctx: MessageContext) => Verdict;

export type SettleDeps = {
  readonly handle: Handler;
  readonly onThrow: OnThrow;
  readonly log: BusLogger;
  /** Handler throws: an outage is logged once per state change with a count, not once per message. */
  readonly faults: FaultLog;
  readonly maxDeliver: number; // -1 = unlimited
  readonly fields: Readonly<Record<string, string>>; // stream/consumer, for log lines
  readonly gate?: Gate; // the consumer's inFlight slots (ctx.outsideSlot gives one back during a wait)
};

/** Runs the handler for one message and settles it. Never rejects. */
export async function settle(msg: JsMsg, deps: SettleDeps): Promise<void> {
  const ctx = toContext(msg, deps.maxDeliver, deps.gate);
  const where = { ...deps.fields, subject: ctx.subject, seq: ctx.seq, delivery_count: ctx.deliveryCount };
  let v: Verdict;
  let counted = false; // a throw is already in the fault log (once per outage, with a count): no line per message
  try {
    v = await deps.handle(ctx);
  } catch (err) {
    v = deps.onThrow(err, ctx);
    deps.faults.fault(err, { ...where, verdict: v.do }, v.do === "retry" ? "warn" : "error");
    counted = true;
  }
  try {
    apply(msg, v, ctx, where, counted ? undefined : deps.log);
  } catch (err) {
    // connection gone: the un-acked message is redelivered after ack_wait
    deps.log.error({ ...where, err }, "could not settle message");
  }
}

function apply(msg: JsMsg, v: Verdict, ctx: MessageContext, where: object, log: BusLogger | undefined): void {
  switch (v.do) {
    case "ack":
      msg.ack();
      return;
    case "retry":
      if (ctx.isLastAttempt) {
        // the server would not redeliver, and a WorkQueue stream would keep the message forever
        log?.error({ ...where }, "retry asked on the last attempt: terminating");
        msg.term();
        return;
      }
      msg.nak(v.afterMs);
      return;
    case "drop":
      log?.warn({ ...where, why: v.why }, "message dropped");
      msg.term(); // no reason argument: nats-server 2.9.10 ignores term("reason") (toolchain.md P4)
      return;
    default:
      v satisfies never;
  }
}

/** Default mapping of a thrown error: bad envelope → drop; otherwise retry with backoff until the last attempt. */
export function defaultOnThrow(schedule: readonly number[]): OnThrow {
  return (err, ctx) => {
    if (isBusError(err, "BAD_ENVELOPE")) return verdict.drop(err.message);
    if (ctx.isLastAttempt) return verdict.drop("handler failed on the last attempt");
    return verdict.retry(backoffMs(ctx.deliveryCount, schedule));
  };
}

function toContext(msg: JsMsg, maxDeliver: number, gate: Gate | undefined): MessageContext {
  const deliveryCount = msg.info.deliveryCount;
  return {
    subject: msg.subject,
    seq: msg.seq,
    data: msg.data,
    headers: headersOf(msg),
    deliveryCount,
    isLastAttempt: maxDeliver > 0 && deliveryCount >= maxDeliver,
    json: <S extends z.ZodType>(schema: S): z.output<S> => decodeEnvelope(schema, msg.data),
    working: () => msg.working(),
    outsideSlot: <T>(wait: () => Promise<T>): Promise<T> => (gate ? gate.outside(wait) : wait()),
  };
}

function headersOf(msg: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  const h = msg.headers;
  if (!h) return out;
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}
