import { type Bus, connectBus, ensureTopology, publishWebhookBody, runConsumer } from "@wa/bus";
import { busNames, dropStreams, TEST_NATS_URL, useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInboxDrainer, createWebhookHandler, drainInbox, inboxSize, storeInInbox } from "../src/index.js";
import { type Harness, harness, log, outbound, statusesBody } from "./support.js";

const tdb = useTestDatabase();
const names = busNames();
let h: Harness;
let bus: Bus;
beforeAll(async () => {
  h = harness(tdb.url);
  bus = await connectBus({ url: TEST_NATS_URL, name: "inbox-test" });
  await ensureTopology(bus.jsm, names);
});
afterAll(async () => {
  await dropStreams(bus.jsm, names);
  await bus.close();
  await h.close();
});

const publish = (body: Uint8Array, at: number) => publishWebhookBody(bus.js, names, body, { receivedAt: at });
const T = Math.floor(Date.now() / 1000);

describe("webhook inbox", () => {
  it("keeps a body once, republishes stored bodies when NATS is back and deletes them after publishing", async () => {
    const a = new TextEncoder().encode(statusesBody([{ id: "wamid.IB1", status: "delivered", ts: T }]));
    const b = new TextEncoder().encode(statusesBody([{ id: "wamid.IB2", status: "read", ts: T }]));
    await storeInInbox(h.db, a);
    await storeInInbox(h.db, a);
    await storeInInbox(h.db, b);
    expect(await inboxSize(h.db)).toBe(2);
    // NATS still failing: nothing is deleted.
    const failing = await drainInbox(h.db, async () => {
      throw new Error("nats down");
    });
    expect(failing).toEqual({ published: 0, failed: true });
    expect(await inboxSize(h.db)).toBe(2);
    const before = (await bus.jsm.streams.info(names.WEBHOOK_STREAM)).state.messages;
    const ok = await drainInbox(h.db, publish);
    expect(ok).toEqual({ published: 2, failed: false });
    expect(await inboxSize(h.db)).toBe(0);
    expect((await bus.jsm.streams.info(names.WEBHOOK_STREAM)).state.messages).toBe(before + 2);
  });

  it("the drainer loop feeds the consumer, which applies the stored event", async () => {
    const id = await outbound(h.db, { customerId: "628160000001", wamid: "wamid.IB3" });
    await storeInInbox(
      h.db,
      new TextEncoder().encode(statusesBody([{ id: "wamid.IB3", status: "delivered", ts: T + 5 }])),
    );
    const runner = runConsumer({
      js: bus.js,
      stream: names.WEBHOOK_STREAM,
      consumer: names.WEBHOOK_CONSUMER,
      inFlight: 4,
      log,
      handle: createWebhookHandler(h.processor),
    });
    const drainer = createInboxDrainer({ db: h.db, publish, log, intervalMs: 50 });
    drainer.start();
    try {
      for (let i = 0; i < 200; i++) {
        const row = await h.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow();
        if (row.status === "delivered") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(
        (await h.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status,
      ).toBe("delivered");
      expect(await inboxSize(h.db)).toBe(0);
    } finally {
      await drainer.close();
      await runner.close();
    }
  });
});
