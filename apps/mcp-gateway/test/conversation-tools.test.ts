import { createHash } from "node:crypto";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { DeliveryWorker } from "@wa/messaging";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupEnv, startDelivery, type Env, type Gateway } from "./harness.js";
import { startInboundPipe, until } from "./inbound-pipe.js";

let env: Env;
let gw: Gateway;
let pipe: Awaited<ReturnType<typeof startInboundPipe>>;
let delivery: DeliveryWorker;

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), Buffer.from("a cracked mug, seen from above")]);

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
  pipe = await startInboundPipe({
    db: gw.clients.deps.db,
    metaUrl: env.meta.url,
    names: gw.clients.deps.cfg,
    accounts: gw.clients.deps.accounts,
  });
  delivery = startDelivery(gw.clients, 2);
});
afterAll(async () => {
  await delivery?.close();
  await pipe?.close();
  await env?.close();
});

type Item = {
  message_id: string;
  wamid: string;
  direction: string;
  type: string;
  content: Record<string, unknown>;
  reply_to: string | null;
  status: string;
};
const messagesOf = (r: { structured: Record<string, unknown> }) => r.structured.messages as Item[];

describe("end to end: a photo in, buttons out, a tap in", () => {
  it("shows the photo, returns its bytes, sends reply buttons and shows the tapped button's id", async () => {
    const customer = "447700900401";
    const photo = await pipe.inbound({
      from: customer,
      type: "image",
      text: "this arrived broken",
      media: { data_base64: PHOTO.toString("base64"), mime_type: "image/jpeg" },
    });

    const first = messagesOf(await gw.call("list_messages", { customer_id: `+${customer}` }));
    expect(first[0]).toMatchObject({
      direction: "inbound",
      type: "image",
      wamid: photo.id,
      status: "received",
      content: { media_id: photo.media_id, caption: "this arrived broken", mime_type: "image/jpeg" },
    });

    const media = await gw.call("get_media", { media_id: first[0]!.content.media_id });
    expect(media.structured.sha256).toBe(sha(PHOTO));
    expect(Buffer.from(media.structured.data_base64 as string, "base64")).toEqual(PHOTO);

    const sent = await gw.call("send_interactive", {
      to: customer,
      kind: "buttons",
      body: "Sorry about that! What should we do?",
      buttons: [
        { id: "replace", title: "Send a new one" },
        { id: "refund", title: "Refund me" },
      ],
    });
    expect(sent.isError, sent.text).toBe(false);
    const ours = sent.structured.message_id as string;
    let wamid = "";
    await until(async () => {
      const row = await gw.clients.deps.db
        .selectFrom("messages")
        .select("wamid")
        .where("id", "=", ours)
        .executeTakeFirst();
      wamid = row?.wamid ?? "";
      return wamid !== "";
    }, "the buttons to reach Meta");

    await pipe.inbound({
      from: customer,
      type: "interactive",
      payload: "refund",
      text: "Refund me",
      context_id: wamid,
    });
    const after = messagesOf(await gw.call("list_messages", { customer_id: customer }));
    expect(after.map((m) => [m.direction, m.type])).toEqual([
      ["inbound", "interactive"],
      ["outbound", "interactive"],
      ["inbound", "image"],
    ]);
    expect(after[0]).toMatchObject({
      content: { reply_type: "button_reply", reply_id: "refund", title: "Refund me" },
      reply_to: wamid,
    });
  });
});

describe("list_messages", () => {
  const who = "447700900402";
  it("shows each inbound type's content, newest first, and pages with next_before", async () => {
    await pipe.inbound({ from: who, type: "text", text: "hi" });
    await pipe.inbound({ from: who, type: "location", text: "Home" });
    await pipe.inbound({
      from: who,
      type: "interactive",
      interactive_type: "list_reply",
      payload: "slot-9",
      text: "09:00",
      description: "Mon",
    });
    await pipe.inbound({ from: who, type: "button", payload: "more", text: "Tell me more" });
    await pipe.inbound({ from: who, type: "reaction", emoji: "👍", context_id: "wamid.X" });
    await pipe.inbound({ from: who, type: "contacts", text: "Ana" });

    const page1 = await gw.call("list_messages", { customer_id: who, limit: 3 });
    expect(messagesOf(page1).map((m) => m.content)).toEqual([
      { contacts: [expect.objectContaining({ name: expect.objectContaining({ formatted_name: "Ana" }) })] },
      { emoji: "👍", reacted_to: "wamid.X" },
      { reply_type: "quick_reply", reply_id: "more", title: "Tell me more" },
    ]);
    const page2 = await gw.call("list_messages", { customer_id: who, limit: 3, before: page1.structured.next_before });
    expect(messagesOf(page2).map((m) => m.content)).toEqual([
      { reply_type: "list_reply", reply_id: "slot-9", title: "09:00", description: "Mon" },
      expect.objectContaining({ latitude: 52.52, longitude: 13.405, name: "Home" }),
      { text: "hi" },
    ]);
    const page3 = await gw.call("list_messages", { customer_id: who, limit: 3, before: page2.structured.next_before });
    expect(page3.structured).toMatchObject({ messages: [], next_before: null });
  });

  it("answers NOT_FOUND for a stranger and INVALID_ARGUMENT for a before of another conversation", async () => {
    expect((await gw.call("list_messages", { customer_id: "447700900499" })).structured.reason_code).toBe("NOT_FOUND");
    const r = await gw.call("list_messages", { customer_id: who, before: "wamid.not-here" });
    expect(r.structured.reason_code).toBe("INVALID_ARGUMENT");
    expect(r.structured.human_explanation).toMatch(/^before:/);
  });
});

describe("wait_for_messages", () => {
  it("returns at once with a cursor when nothing is new, then wakes when a customer writes", async () => {
    const idle = await gw.call("wait_for_messages", { timeout_secs: 0 });
    expect(idle.structured).toMatchObject({ messages: [], timed_out: true });
    const cursor = idle.structured.cursor as string;
    const waiting = gw.call("wait_for_messages", { cursor, timeout_secs: 60 });
    const m = await pipe.inbound({ from: "447700900403", text: "anyone there?" });
    const woke = await waiting;
    expect(woke.structured.timed_out).toBe(false);
    expect(messagesOf(woke).map((x) => x.wamid)).toEqual([m.id]);
    const again = await gw.call("wait_for_messages", { cursor: woke.structured.cursor, timeout_secs: 0 });
    expect(again.structured).toMatchObject({ messages: [], timed_out: true });
    const older = await gw.call("wait_for_messages", { cursor, timeout_secs: 0 });
    expect(messagesOf(older).map((x) => x.wamid)).toEqual([m.id]);
  });

  it("filters by customer and refuses a cursor it did not make", async () => {
    const { structured } = await gw.call("wait_for_messages", { timeout_secs: 0 });
    await pipe.inbound({ from: "447700900404", text: "one" });
    const mine = await pipe.inbound({ from: "447700900405", text: "two" });
    const r = await gw.call("wait_for_messages", {
      cursor: structured.cursor,
      customer_id: "447700900405",
      timeout_secs: 0,
    });
    expect(messagesOf(r).map((x) => x.wamid)).toEqual([mine.id]);
    const bad = await gw.call("wait_for_messages", { cursor: "yesterday" });
    expect(bad.structured.reason_code).toBe("INVALID_ARGUMENT");
  });
});

describe("resources", () => {
  it("notifies subscribers of a conversation and of new messages when a customer writes", async () => {
    const who = "447700900406";
    const updated: string[] = [];
    let wake: (() => void) | undefined;
    gw.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
      wake?.();
    });
    const conv = `whatsapp://conversations/${who}/messages`;
    await gw.client.subscribeResource({ uri: conv });
    await gw.client.subscribeResource({ uri: "whatsapp://messages/new" });
    const both = new Promise<void>((resolve) => (wake = () => updated.length >= 2 && resolve()));
    await pipe.inbound({ from: who, text: "ping" });
    await both;
    expect(updated.toSorted()).toEqual([conv, "whatsapp://messages/new"]);

    const read = await gw.client.readResource({ uri: conv });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { messages: Item[] };
    expect(body.messages[0]).toMatchObject({ direction: "inbound", content: { text: "ping" } });
    const listed = await gw.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(conv);
    await gw.client.unsubscribeResource({ uri: conv });
    await expect(gw.client.readResource({ uri: "whatsapp://nope" })).rejects.toThrow(/Unknown resource/);
  });
});
