import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  busSubjects,
  isBusError,
  publish,
  publishCampaignTrigger,
  publishOutbound,
  publishRetry,
  publishWebhookBody,
  WEBHOOK_RECEIVED_AT_HEADER,
  type Bus,
} from "../src/index.js";
import { openTestBus } from "./support.js";

let t: Awaited<ReturnType<typeof openTestBus>>;
let bus: Bus;

beforeAll(async () => {
  t = await openTestBus("bus-publish-test");
  bus = t.bus;
});
afterAll(() => t.cleanup());

async function stored(stream: string): Promise<number> {
  return (await bus.jsm.streams.info(stream)).state.messages;
}

describe("publish", () => {
  it("drops a republish with the same Nats-Msg-Id inside the duplicate window", async () => {
    const names = await t.fresh();
    const message_id = randomUUID();
    const first = await publishOutbound(bus.js, names, { message_id });
    const again = await publishOutbound(bus.js, names, { message_id });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ duplicate: true, seq: first.seq });
    expect(await stored(names.DELIVERY_STREAM)).toBe(1);
  });

  it("gives retry its own id so it is not deduped against the outbound copy", async () => {
    const names = await t.fresh();
    const message_id = randomUUID();
    await publishOutbound(bus.js, names, { message_id });
    expect((await publishRetry(bus.js, names, { message_id })).duplicate).toBe(false);
    expect((await publishRetry(bus.js, names, { message_id })).duplicate).toBe(true);
    expect(await stored(names.DELIVERY_STREAM)).toBe(2);
  });

  it("dedupes campaign triggers per (campaign, run)", async () => {
    const names = await t.fresh();
    const campaign_id = randomUUID();
    expect((await publishCampaignTrigger(bus.js, names, { campaign_id, run: 1 })).duplicate).toBe(false);
    expect((await publishCampaignTrigger(bus.js, names, { campaign_id, run: 1 })).duplicate).toBe(true);
    expect((await publishCampaignTrigger(bus.js, names, { campaign_id, run: 2 })).duplicate).toBe(false);
  });

  it("stores webhook bodies byte for byte with the receive time, keyed by sha256", async () => {
    const names = await t.fresh();
    const body = new TextEncoder().encode('{"object":"whatsapp_business_account","entry":[ ]}\n');
    const res = await publishWebhookBody(bus.js, names, body, { receivedAt: 1_700_000_000_123 });
    expect((await publishWebhookBody(bus.js, names, body, { receivedAt: 1_700_000_000_999 })).duplicate).toBe(true);
    const sm = await bus.jsm.streams.getMessage(names.WEBHOOK_STREAM, { seq: res.seq });
    expect(sm).not.toBeNull();
    expect(Buffer.from(sm!.data).equals(Buffer.from(body))).toBe(true);
    expect(sm!.subject).toBe(busSubjects(names).webhookEvents);
    expect(sm!.header.get(WEBHOOK_RECEIVED_AT_HEADER)).toBe("1700000000123");
    expect(sm!.header.get("Nats-Msg-Id")).toBe(createHash("sha256").update(body).digest("hex"));
  });

  it("refuses an invalid envelope before publishing", async () => {
    const names = await t.fresh();
    const err = await publishOutbound(bus.js, names, { message_id: "not-a-uuid" }).catch((e: unknown) => e);
    expect(isBusError(err, "BAD_ENVELOPE")).toBe(true);
    expect(await stored(names.DELIVERY_STREAM)).toBe(0);
  });

  it("fails with PUBLISH_FAILED when no stream takes the subject", async () => {
    const err = await publish(bus.js, "nobody.listens.here", "x", { msgId: "1", timeoutMs: 500 }).catch(
      (e: unknown) => e,
    );
    expect(isBusError(err, "PUBLISH_FAILED")).toBe(true);
  });
});
