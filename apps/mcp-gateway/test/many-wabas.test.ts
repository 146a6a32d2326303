import { createHash } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { configuredIdentity } from "@wa/agents";
import { type DeliveryWorker, sendingNumbersOf, startDeliveryWorker } from "@wa/messaging";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forRemoteAgent } from "../src/deps.js";
import { createGatewayServer } from "../src/server.js";
import type { Gateway } from "./harness.js";
import { until } from "./inbound-pipe.js";
import { A, C, type ManyNumbers, startManyNumbers, WABA_Y } from "./many-numbers-stack.js";

// The gateway calls Meta as the number a tool acts for, with its WABA's token: mock-meta answers 100/33 to X's
// token on Y's number C, as Meta does, so each of these would fail with the one default client.
let stack: ManyNumbers;
let gw: Gateway;
let worker: DeliveryWorker;

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from("JFIF a mug from Y")]);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  stack = await startManyNumbers();
  gw = stack.gw;
  // A delivery worker sending each message from its number with that WABA's client, as apps/delivery-worker does.
  const deps = gw.clients.deps;
  const js = deps.bus.js();
  if (!js) throw new Error("NATS is not reachable");
  const numbers = sendingNumbersOf(
    deps.accounts,
    (wabaId, _token, phoneNumberId) => deps.graph.of({ wabaId, phoneNumberId }).meta,
  );
  worker = startDeliveryWorker({ ...deps, js, names: deps.cfg, concurrency: 4, phoneNumberId: A, numbers });
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await stack?.close();
});

/** Graph calls mock-meta logged on a number's path. */
async function callsOn(phoneNumberId: string) {
  const res = await fetch(`${stack.meta.url}/_mock/calls?phone_number_id=${phoneNumberId}&include_body=true`);
  return ((await res.json()) as { calls: { path: string; http_status: number; body?: Record<string, unknown> }[] })
    .calls;
}

/** Mock-meta's answer to GET /{id} with a token, as a client holding only that token would get it. */
const graphGet = (id: string, token: string) =>
  fetch(`${stack.meta.url}/v25.0/${id}`, { headers: { authorization: `Bearer ${token}` } });

/** A session for an agent key limited to some numbers. */
async function scoped(allowed: string[]) {
  const agent = { ...configuredIdentity("numbers-scoped"), keyId: "k-scoped", allowedNumbers: new Set(allowed) };
  const server = createGatewayServer(forRemoteAgent(gw.clients.deps, agent));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "scoped", version: "1.0.0" });
  await client.connect(clientSide);
  return {
    call: async (name: string, args: Record<string, unknown>) =>
      ((await client.callTool({ name, arguments: args })) as CallToolResult).structuredContent ?? {},
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

describe("each number calls Meta with its WABA's token", () => {
  it("mark_read of a message received on C marks it from C with Y's token", async () => {
    const to = stack.customer();
    const { id: wamid } = await stack.pipe.inbound({ from: to, text: "hello Y", phone_number_id: C });
    // The premise: X's token (the gateway's META_ACCESS_TOKEN) may not touch C.
    expect((await graphGet(C, "token-x")).status).toBe(400);
    const r = await gw.call("mark_read", { message_id: wamid, typing_indicator: true });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toMatchObject({
      wamid,
      typing_indicator: true,
      from: { phone_number_id: C, display_phone_number: "+1 555 020 0003", business_id: "y" },
    });
    const read = (await callsOn(C)).filter((c) => c.body?.status === "read" && c.body.message_id === wamid);
    expect(read.map((c) => c.http_status)).toEqual([200]);
    const onA = await stack.pipe.inbound({ from: to, text: "hello X", phone_number_id: A });
    const a = await gw.call("mark_read", { message_id: onA.id });
    expect(a.structured).toMatchObject({ from: { phone_number_id: A, business_id: "x" } });
  });

  it("upload_media from C gives a media id of C, which send_media from C sends", async () => {
    const to = stack.customer();
    await stack.pipe.inbound({ from: to, text: "send me the photo", phone_number_id: C });
    const up = await gw.call("upload_media", {
      data_base64: JPEG.toString("base64"),
      mime_type: "image/jpeg",
      from: C,
    });
    expect(up.isError, up.text).toBe(false);
    expect(up.structured).toMatchObject({ sha256: sha(JPEG), from: { phone_number_id: C, business_id: "y" } });
    const mediaId = up.structured.media_id as string;
    expect((await graphGet(mediaId, "token-y")).status).toBe(200); // held by C's WABA…
    expect((await graphGet(mediaId, "token-x")).status).toBe(400); // …invisible to X's token
    const sent = await gw.call("send_media", { to, media_type: "image", media_id: mediaId, from: C });
    expect(sent.structured).toMatchObject({ status: "queued", from: { phone_number_id: C } });
    const db = gw.clients.deps.db;
    const id = sent.structured.message_id as string;
    await until(async () => {
      const row = await db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirst();
      return row?.status === "sent" || row?.status === "delivered" || row?.status === "failed";
    }, "the image to be sent");
    const row = await db.selectFrom("messages").select(["status", "wamid"]).where("id", "=", id).executeTakeFirst();
    expect(row?.status).not.toBe("failed");
    const image = (await callsOn(C)).find((c) => c.body?.type === "image");
    expect(image).toMatchObject({ http_status: 200, body: { image: { id: mediaId } } });
  });

  it("get_media fetches a customer's photo to C with Y's token", async () => {
    const to = stack.customer();
    const media = { data_base64: JPEG.toString("base64"), mime_type: "image/jpeg" };
    const sentIn = await stack.pipe.inbound({ from: to, type: "image", media, phone_number_id: C });
    const got = await gw.call("get_media", { media_id: sentIn.media_id });
    expect(got.isError, got.text).toBe(false);
    expect(got.structured).toMatchObject({ sha256: sha(JPEG), from: { phone_number_id: C, business_id: "y" } });
    expect(Buffer.from(got.structured.data_base64 as string, "base64")).toEqual(JPEG);
    // Named with a number of another WABA, Meta refuses: the token of A's WABA cannot see C's media.
    const wrong = await gw.call("get_media", { media_id: sentIn.media_id, from: A });
    expect(wrong.structured).toMatchObject({ reason_code: "META_API_ERROR" });
  });

  it("get_account_quality asks Meta live for C with Y's token", async () => {
    const r = await gw.call("get_account_quality", { from: C });
    expect(r.structured).toMatchObject({ phone_number_id: C, waba_id: WABA_Y, source: "meta", name: "Y Shop" });
    expect((await callsOn(C)).some((c) => c.path.endsWith(`/${C}`) && c.http_status === 200)).toBe(true);
  });
});

describe("allowed_numbers on the message's number", () => {
  it("react_to_message and mark_read without from are checked on the number the message came to", async () => {
    const to = stack.customer();
    const onC = await stack.pipe.inbound({ from: to, text: "on C", phone_number_id: C });
    const onA = await stack.pipe.inbound({ from: to, text: "on A", phone_number_id: A });
    const onlyA = await scoped([A]);
    expect(await onlyA.call("react_to_message", { message_id: onC.id, emoji: "👍" })).toMatchObject({
      reason_code: "SCOPE_DENIED",
      details: { scope: `numbers:${C}` },
    });
    expect(await onlyA.call("mark_read", { message_id: onC.id })).toMatchObject({
      details: { scope: `numbers:${C}` },
    });
    expect(await onlyA.call("react_to_message", { message_id: onA.id, emoji: "👍" })).toMatchObject({
      status: "queued",
      from: { phone_number_id: A },
    });
    await onlyA.close();
    // A key for C alone reacts to C's message, though the default number is A.
    const onlyC = await scoped([C]);
    expect(await onlyC.call("react_to_message", { message_id: onC.id, emoji: "❤️" })).toMatchObject({
      status: "queued",
      from: { phone_number_id: C, business_id: "y" },
    });
    expect(await onlyC.call("mark_read", { message_id: onC.id })).toMatchObject({ from: { phone_number_id: C } });
    await onlyC.close();
  });
});
