import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  outboundEnvelope,
  publish,
  publishOutbound,
  runConsumer,
  verdict,
  busSubjects,
  type BusNames,
  type ConsumerRunner,
  type Handler,
  type MessageContext,
} from "../src/index.js";
import { busNames } from "@wa/testkit";
import { ensureTopology } from "../src/index.js";
import { backlog, deleteStreams, memoryLogger, openTestBus, sleep, waitFor } from "./support.js";

let t: Awaited<ReturnType<typeof openTestBus>>;
const runners: ConsumerRunner[] = [];

beforeAll(async () => {
  t = await openTestBus("bus-consumer-test");
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
  await t.cleanup();
});

type Seen = { at: number; deliveryCount: number; isLastAttempt: boolean; id: string };

function start(names: BusNames, handle: Handler, extra: { inFlight?: number; backoffMs?: number[] } = {}) {
  const log = memoryLogger();
  const runner = runConsumer({
    js: t.bus.js,
    stream: names.DELIVERY_STREAM,
    consumer: names.DELIVERY_CONSUMER,
    inFlight: extra.inFlight ?? 4,
    backoffMs: extra.backoffMs,
    log,
    handle,
  });
  runners.push(runner);
  return { runner, log };
}

const seen = (ctx: MessageContext): Seen => ({
  at: Date.now(),
  deliveryCount: ctx.deliveryCount,
  isLastAttempt: ctx.isLastAttempt,
  id: ctx.json(outboundEnvelope).message_id,
});

const drained = (names: BusNames) => async () => {
  const b = await backlog(t.bus, names.DELIVERY_STREAM, names.DELIVERY_CONSUMER);
  return b.stored === 0 && b.ackPending === 0;
};

describe("runConsumer", () => {
  it("acks, and the handler gets the typed body, subject and headers", async () => {
    const names = await t.fresh();
    const message_id = randomUUID();
    let got: { id: string; subject: string; msgId: string | undefined } | null = null;
    start(names, async (ctx) => {
      ctx.working();
      got = { id: ctx.json(outboundEnvelope).message_id, subject: ctx.subject, msgId: ctx.headers["Nats-Msg-Id"] };
      return verdict.ack();
    });
    await publishOutbound(t.bus.js, names, { message_id });
    await waitFor(drained(names), 5000, "ack");
    expect(got).toEqual({ id: message_id, subject: busSubjects(names).outbound, msgId: message_id });
  });

  it("retry(delay) redelivers after at least the delay with an incremented deliveryCount", async () => {
    const names = await t.fresh();
    const deliveries: Seen[] = [];
    start(names, async (ctx) => {
      deliveries.push(seen(ctx));
      return ctx.deliveryCount === 1 ? verdict.retry(400) : verdict.ack();
    });
    await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    await waitFor(() => deliveries.length === 2, 10_000, "redelivery");
    const [first, second] = deliveries as [Seen, Seen];
    expect(second.deliveryCount).toBe(2);
    expect(second.at - first.at).toBeGreaterThanOrEqual(400);
    expect(second.at - first.at).toBeLessThan(5000);
    await waitFor(drained(names), 5000, "ack");
  });

  it("honours max deliver 3: isLastAttempt on the 3rd, no 4th, and the message leaves the stream", async () => {
    const names = await t.fresh();
    const deliveries: Seen[] = [];
    const { log } = start(names, async (ctx) => {
      deliveries.push(seen(ctx));
      return verdict.retry(50);
    });
    await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    await waitFor(() => deliveries.length === 3, 10_000, "three deliveries");
    await waitFor(drained(names), 5000, "terminated");
    await sleep(500);
    expect(deliveries.map((d) => [d.deliveryCount, d.isLastAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(log.lines.some((l) => l.level === "error" && l.msg?.includes("last attempt"))).toBe(true);
  });

  it("retries a throwing handler after the first backoff step (1 s)", async () => {
    const names = await t.fresh();
    const deliveries: Seen[] = [];
    const { log } = start(names, async (ctx) => {
      deliveries.push(seen(ctx));
      if (ctx.deliveryCount === 1) throw new Error("meta timed out");
      return verdict.ack();
    });
    await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    await waitFor(() => deliveries.length === 2, 10_000, "retry after throw");
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(1000);
    await waitFor(drained(names), 5000, "ack");
    expect(log.lines.filter((l) => l.msg?.startsWith("handler threw"))).toHaveLength(1);
  });

  it("an outage failing every message is logged once with its count, not once per message (issue 22)", async () => {
    const names = await t.fresh();
    let down = true;
    let calls = 0;
    for (let i = 0; i < 100; i++) await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    const { log } = start(
      names,
      async () => {
        calls++;
        if (down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        return verdict.ack();
      },
      { backoffMs: [1000], inFlight: 16 },
    );
    await waitFor(() => calls >= 100, 20_000, "every message failed once");
    down = false;
    await waitFor(drained(names), 20_000, "all acked after the outage");
    expect(log.lines.filter((l) => l.msg?.startsWith("handler threw"))).toHaveLength(1);
    expect(log.lines.filter((l) => l.msg === "message dropped")).toHaveLength(0);
  });

  it("messages an outage exhausts are counted in the outage's log line, not logged one by one (issue 22)", async () => {
    const names = await t.fresh();
    let calls = 0;
    for (let i = 0; i < 30; i++) await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    const { log } = start(
      names,
      async () => {
        calls++;
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
      },
      { backoffMs: [50], inFlight: 16 },
    );
    await waitFor(() => calls >= 90, 20_000, "three attempts each");
    await waitFor(drained(names), 10_000, "terminated after the last attempt");
    expect(log.lines.filter((l) => l.msg === "message dropped")).toHaveLength(0);
    expect(log.lines.filter((l) => l.msg?.startsWith("handler threw")).length).toBeLessThanOrEqual(2);
  });

  it("terminates a handler that throws on every attempt after the last one", async () => {
    const names = await t.fresh();
    let calls = 0;
    start(
      names,
      async () => {
        calls++;
        throw new Error("always");
      },
      { backoffMs: [50] },
    );
    await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    await waitFor(() => calls === 3, 10_000, "three attempts");
    await waitFor(drained(names), 5000, "terminated");
    await sleep(300);
    expect(calls).toBe(3);
  });

  it("drop terminates at once: no redelivery, gone from the stream", async () => {
    const names = await t.fresh();
    let calls = 0;
    const { log } = start(names, async () => {
      calls++;
      return verdict.drop("opted out");
    });
    await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    await waitFor(drained(names), 5000, "terminated");
    await sleep(300);
    expect(calls).toBe(1);
    expect(log.lines.find((l) => l.msg === "message dropped")?.obj).toMatchObject({ why: "opted out" });
  });

  it("drops a malformed envelope without retrying it", async () => {
    const names = await t.fresh();
    let calls = 0;
    start(names, async (ctx) => {
      calls++;
      ctx.json(outboundEnvelope);
      return verdict.ack();
    });
    await publish(t.bus.js, busSubjects(names).outbound, '{"message_id":42}', { msgId: "bad-1" });
    await waitFor(drained(names), 5000, "terminated");
    await sleep(300);
    expect(calls).toBe(1);
  });

  it("never runs more than inFlight handlers at once", async () => {
    const names = await t.fresh();
    let active = 0;
    let peak = 0;
    let done = 0;
    start(
      names,
      async () => {
        active++;
        peak = Math.max(peak, active);
        await sleep(20 + Math.random() * 30);
        active--;
        done++;
        return verdict.ack();
      },
      { inFlight: 3 },
    );
    await Promise.all(Array.from({ length: 30 }, () => publishOutbound(t.bus.js, names, { message_id: randomUUID() })));
    await waitFor(() => done === 30, 15_000, "all handled");
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
    await waitFor(drained(names), 5000, "acked");
  });

  it("close() waits for in-flight handlers and loses nothing", { timeout: 60_000 }, async () => {
    const names = await t.fresh();
    const ids = Array.from({ length: 50 }, () => randomUUID());
    for (const message_id of ids) await publishOutbound(t.bus.js, names, { message_id });

    const handled = new Map<string, number>();
    let active = 0;
    const handler: Handler = async (ctx) => {
      active++;
      await sleep(30);
      const id = ctx.json(outboundEnvelope).message_id;
      handled.set(id, (handled.get(id) ?? 0) + 1);
      active--;
      return verdict.ack();
    };
    const first = start(names, handler, { inFlight: 5 }).runner;
    await waitFor(() => handled.size >= 10, 10_000, "first ten");
    await first.close();
    expect(active).toBe(0);
    const afterClose = handled.size;
    expect(afterClose).toBeLessThan(50);
    await sleep(200);
    expect(handled.size).toBe(afterClose); // nothing handled after close() resolved

    start(names, handler, { inFlight: 5 });
    // a message already on the wire at close() comes back only after ack_wait (30 s): rare, allowed
    await waitFor(() => ids.every((id) => handled.has(id)), 45_000, "every message handled");
    await waitFor(drained(names), 5000, "stream empty");
  });

  it("keeps retrying while the consumer is missing and starts once it exists", async () => {
    const names = t.track(busNames());
    let calls = 0;
    const { runner, log } = start(names, async () => {
      calls++;
      return verdict.ack();
    });
    await waitFor(() => log.lines.some((l) => l.msg === "consume failed; retrying"), 5000, "a failed consume");
    await ensureTopology(t.bus.jsm, names);
    await publishOutbound(t.bus.js, names, { message_id: randomUUID() });
    await waitFor(() => calls === 1, 10_000, "consumed after the consumer appeared");
    await runner.close();
  });

  it("close() on an idle consumer resolves without waiting for the pull to expire", async () => {
    const names = await t.fresh();
    const { runner, log } = start(names, async () => verdict.ack());
    await sleep(200);
    const t0 = Date.now();
    await runner.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(log.lines.at(-1)?.msg).toBe("consumer closed");
  });
});

describe("runConsumer when the connection closes first", () => {
  it("stops its loop and close() still resolves", async () => {
    const own = await openTestBus("bus-consumer-closed");
    const names = await own.fresh();
    const log = memoryLogger();
    const runner = runConsumer({
      js: own.bus.js,
      stream: names.DELIVERY_STREAM,
      consumer: names.DELIVERY_CONSUMER,
      inFlight: 2,
      log,
      handle: async () => verdict.ack(),
    });
    await sleep(200);
    await deleteStreams(t.bus, names);
    await own.bus.close();
    await waitFor(() => log.lines.some((l) => l.msg === "nats connection closed: consumer stopped"), 5000, "loop exit");
    await runner.close();
  });
});
