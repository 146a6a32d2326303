import { busNames, TEST_NATS_URL } from "@wa/testkit";
import { nanos } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  busSubjects,
  checkTopology,
  connectBus,
  ensureTopology,
  isBusError,
  topology,
  type Bus,
  type BusNames,
} from "../src/index.js";
import { deleteStreams } from "./support.js";

let a: Bus;
let b: Bus;
const used: BusNames[] = [];
const fresh = (): BusNames => {
  const names = busNames();
  used.push(names);
  return names;
};

beforeAll(async () => {
  a = await connectBus({ url: TEST_NATS_URL, name: "bus-topology-a" });
  b = await connectBus({ url: TEST_NATS_URL, name: "bus-topology-b" });
});

afterAll(async () => {
  for (const names of used) await deleteStreams(a, names);
  await Promise.all([a.close(), b.close()]);
});

describe("topology()", () => {
  it("declares three work-queue streams with one durable pull consumer each", () => {
    const names = busNames("x");
    const t = topology(names);
    const s = busSubjects(names);
    expect(t.delivery.stream.subjects).toEqual([s.outbound, s.retry]);
    expect(s.outbound).toBe(`${names.NATS_SUBJECT_PREFIX}whatsapp.messages.outbound`);
    expect(t.delivery.consumer).toMatchObject({
      durable_name: names.DELIVERY_CONSUMER,
      max_deliver: 3,
      ack_wait: nanos(30_000),
    });
    expect(t.delivery.stream.duplicate_window).toBe(nanos(120_000));
    expect(t.campaign.consumer.ack_wait).toBe(nanos(300_000));
    expect(t.webhooks.stream.duplicate_window).toBe(nanos(600_000));
    for (const { stream, consumer } of Object.values(t)) {
      expect(stream.retention).toBe("workqueue");
      expect(consumer.ack_policy).toBe("explicit");
      expect(consumer).not.toHaveProperty("filter_subject");
    }
  });
});

describe("ensureTopology()", () => {
  it("is safe when two processes create the same topology at once, and idempotent", async () => {
    const names = fresh();
    await Promise.all([ensureTopology(a.jsm, names), ensureTopology(b.jsm, names)]);
    await ensureTopology(a.jsm, names);
    expect(await checkTopology(a.jsm, names)).toEqual([]);
  });

  it("updates a stream and consumer left with an older config, even when racing", async () => {
    const names = fresh();
    const { delivery } = topology(names);
    await a.jsm.streams.add({
      ...delivery.stream,
      subjects: [delivery.stream.subjects[0]!],
      duplicate_window: nanos(60_000),
    });
    await a.jsm.consumers.add(delivery.stream.name, { ...delivery.consumer, max_deliver: 7, ack_wait: nanos(10_000) });
    expect((await checkTopology(a.jsm, names)).map((p) => p.code)).toEqual(
      expect.arrayContaining(["stream_config", "consumer_config", "missing_stream"]),
    );
    await Promise.all([ensureTopology(a.jsm, names), ensureTopology(b.jsm, names)]);
    expect(await checkTopology(a.jsm, names)).toEqual([]);
  });

  it("moves a webhook consumer of an older release (max deliver 10) to unlimited deliveries (issue 14)", async () => {
    const names = fresh();
    const { webhooks } = topology(names);
    expect(webhooks.consumer.max_deliver).toBe(-1);
    await a.jsm.streams.add({ ...webhooks.stream, subjects: [...webhooks.stream.subjects] });
    await a.jsm.consumers.add(webhooks.stream.name, { ...webhooks.consumer, max_deliver: 10 });
    expect((await checkTopology(a.jsm, names)).map((p) => p.detail)).toContain("max_deliver is 10, want -1");
    await ensureTopology(a.jsm, names);
    expect(await checkTopology(a.jsm, names)).toEqual([]);
    expect((await a.jsm.consumers.info(webhooks.stream.name, webhooks.consumer.durable_name)).config.max_deliver).toBe(
      -1,
    );
  });

  it("refuses with TOPOLOGY_CONFLICT when an immutable setting differs", async () => {
    const names = fresh();
    const { campaign } = topology(names);
    await a.jsm.streams.add({ ...campaign.stream, subjects: [...campaign.stream.subjects], retention: "limits" });
    const err = await ensureTopology(a.jsm, names).catch((e: unknown) => e);
    expect(isBusError(err, "TOPOLOGY_CONFLICT")).toBe(true);
  });
});

describe("checkTopology()", () => {
  it("reports a missing stream, a missing consumer, wrong subjects and a foreign consumer", async () => {
    const names = fresh();
    expect((await checkTopology(a.jsm, names)).filter((p) => p.code === "missing_stream")).toHaveLength(3);

    await ensureTopology(a.jsm, names);
    const { delivery, webhooks } = topology(names);
    await a.jsm.consumers.delete(delivery.stream.name, delivery.consumer.durable_name);
    await a.jsm.consumers.add(delivery.stream.name, { durable_name: "stray", ack_policy: "explicit" });
    await a.jsm.streams.update(webhooks.stream.name, {
      subjects: [...webhooks.stream.subjects, `${names.NATS_SUBJECT_PREFIX}extra`],
    });

    const problems = await checkTopology(a.jsm, names);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: "missing_consumer",
          stream: delivery.stream.name,
          consumer: delivery.consumer.durable_name,
        }),
        expect.objectContaining({ code: "foreign_consumer", stream: delivery.stream.name, consumer: "stray" }),
        expect.objectContaining({ code: "stream_config", stream: webhooks.stream.name }),
      ]),
    );
    expect(problems).toHaveLength(3);
  });
});
