import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig, mcpGatewayEnv } from "@wa/config";
import type { Db } from "@wa/db";
import type { DeliveryWorker } from "@wa/messaging";
import { createLogger } from "@wa/observability";
import { type SpawnedApp, spawnApp, waitFor } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients, type Clients } from "../src/clients.js";
import { setupEnv, startDelivery, type Env, type Gateway } from "./harness.js";

// The real path: a customer writes through mock-meta → the built webhook receiver and processor open the window →
// the tool queues → the delivery worker calls mock-meta → its status webhooks take the row to `delivered`.
const dist = (app: string) => fileURLToPath(new URL(`../../${app}/dist/main.js`, import.meta.url));
const APP_SECRET = "mock-app-secret"; // mock-meta's default signing secret

let env: Env;
let gw: Gateway;
let db: Db;
let worker: Clients;
let delivery: DeliveryWorker;
const apps: SpawnedApp[] = [];

const CUSTOMER = "447700900555";
const COLD = "447700900556"; // wrote long ago: window shut

async function mock(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.meta.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** The customer writes; resolves with the stored inbound message once the processor has it. */
async function customerWrites(from: string, text: string, timestamp?: number) {
  const id = `wamid.in-${from}-${Math.random().toString(36).slice(2)}`;
  await mock("/_mock/inbound", { from, text, id, ...(timestamp ? { timestamp } : {}) });
  return waitFor(`inbound ${id} stored`, () =>
    db.selectFrom("messages").select(["id", "wamid"]).where("wamid", "=", id).executeTakeFirst(),
  );
}

/** Waits for the message to reach `delivered`; returns the exact body mock-meta received for it. */
async function deliveredBody(messageId: string): Promise<Record<string, unknown>> {
  await waitFor(`${messageId} delivered`, async () => {
    const s = await gw.call("get_delivery_status", { message_id: messageId });
    if (s.structured.status === "failed") throw new Error(`failed: ${s.text}`);
    return s.structured.status === "delivered" || s.structured.status === "read";
  });
  const log = (await mock("/_mock/calls?include_body=true")) as { calls: { body: Record<string, unknown> | null }[] };
  const call = log.calls.find((c) => c.body?.["biz_opaque_callback_data"] === messageId);
  if (!call?.body) throw new Error(`no call for ${messageId}`);
  return call.body;
}

const envelope = (messageId: string) => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to: `+${CUSTOMER}`,
  biz_opaque_callback_data: messageId,
});

async function sent(tool: string, args: Record<string, unknown>): Promise<string> {
  const r = await gw.call(tool, args);
  expect(r.isError, r.text).toBe(false);
  expect(r.structured).toMatchObject({ status: "queued", category: "service", duplicate: false });
  return r.structured.message_id as string;
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
const list = (over: Record<string, unknown>) => ({ kind: "list", body: "b", button_text: "Open", ...over });

const outboundCount = async () =>
  Number(
    (
      await db
        .selectFrom("messages")
        .select((e) => e.fn.countAll<string>().as("n"))
        .where("direction", "=", "outbound")
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  for (const app of ["webhook-receiver", "webhook-processor"])
    if (!existsSync(dist(app))) throw new Error(`build ${app} first: ${dist(app)} is missing`);
  env = await setupEnv();
  gw = await env.gateway(); // creates the streams
  db = gw.clients.deps.db;
  const appEnv = { ...env.base, META_APP_SECRET: APP_SECRET, WEBHOOK_VERIFY_TOKEN: "verify", LOG_LEVEL: "info" };
  const processor = spawnApp(dist("webhook-processor"), { ...appEnv, OPS_PORT: "0" });
  const receiver = spawnApp(dist("webhook-receiver"), { ...appEnv, PORT: "0", HOST: "127.0.0.1" });
  apps.push(processor, receiver);
  await waitFor("processor ready", async () => /"msg":"ready"/.test(processor.output()));
  const port = await waitFor("receiver port", async () => /"port":(\d+),"msg":"ready"/.exec(receiver.output())?.[1]);
  // Many sends to one customer: Meta's pair pacing (6 s after a burst of 3) is off on both sides here.
  await mock("/_mock/config", { webhook_target_url: `http://127.0.0.1:${port}/webhook`, pair_burst: 1000 });
  const cfg = loadConfig(mcpGatewayEnv, { ...env.base, PAIR_LIMIT_SECS: "0" });
  worker = createClients(cfg, createLogger({ service: "delivery-test", level: "silent", destination: 2 }));
  await worker.busReady;
  delivery = startDelivery(worker);
  await customerWrites(CUSTOMER, "Hi, my parcel arrived broken");
}, 60_000);

afterAll(async () => {
  await delivery?.close();
  for (const c of worker?.closers.toReversed() ?? []) await c.close();
  for (const a of apps) {
    a.proc.kill("SIGTERM");
    await a.exited;
  }
  await env?.close();
});

describe("send_media", () => {
  it("an image by https link with a caption reaches delivered with Graph's exact payload", async () => {
    const link = "https://cdn.example.com/p/123.jpg";
    const id = await sent("send_media", { to: CUSTOMER, media_type: "image", link, caption: "Your replacement" });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "image",
      image: { link, caption: "Your replacement" },
    });
    const row = await db
      .selectFrom("messages")
      .select(["kind", "category"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ kind: "image", category: "service" });
  });

  it("a document by media_id with a filename", async () => {
    const id = await sent("send_media", {
      to: CUSTOMER,
      media_type: "document",
      media_id: "1234567890",
      filename: "invoice-A-1001.pdf",
      caption: "Invoice",
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "document",
      document: { id: "1234567890", caption: "Invoice", filename: "invoice-A-1001.pdf" },
    });
  });

  it("refuses bad media before Meta: each a named field and Meta's limit, nothing queued", async () => {
    const before = await outboundCount();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ media_type: "image", link: "javascript:alert(1)" }, /^image\.link: only https/],
      [{ media_type: "image", link: "http://cdn.example.com/a.jpg" }, /^image\.link: only https links .* not http/],
      [{ media_type: "audio", media_id: "1", caption: "hi" }, /^caption: .*audio/],
      [{ media_type: "sticker", media_id: "1", caption: "hi" }, /^caption: .*sticker/],
      [{ media_type: "image", media_id: "1", filename: "a.jpg" }, /^filename: only a document/],
      [{ media_type: "image", media_id: "1", link: "https://x.example/a.jpg" }, /^image: give exactly one/],
      [{ media_type: "video" }, /^video: give exactly one/],
      [
        { media_type: "image", media_id: "1", caption: "c".repeat(1025) },
        /^caption: 1025 characters; Meta allows at most 1024/,
      ],
    ];
    for (const [args, why] of cases) {
      const r = await gw.call("send_media", { to: CUSTOMER, ...args });
      expect(r.structured.reason_code, JSON.stringify(args)).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(why);
    }
    expect(await outboundCount()).toBe(before);
  });

  it("outside the window: TEMPLATE_REQUIRED", async () => {
    const r = await gw.call("send_media", { to: COLD, media_type: "image", media_id: "1" });
    expect(r.structured).toMatchObject({ reason_code: "TEMPLATE_REQUIRED" });
    expect(r.structured.suggested_action).toMatch(/send_template/);
  });
});

describe("send_interactive", () => {
  const buttons = [
    { id: "track", title: "Track order" },
    { id: "human", title: "Talk to a person" },
  ];

  it("reply buttons with an image header and a footer: exact payload, delivered", async () => {
    const id = await sent("send_interactive", {
      to: CUSTOMER,
      kind: "buttons",
      body: "What would you like to do?",
      header: { type: "image", link: "https://cdn.example.com/logo.png" },
      footer: "Acme support",
      buttons,
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "interactive",
      interactive: {
        type: "button",
        header: { type: "image", image: { link: "https://cdn.example.com/logo.png" } },
        body: { text: "What would you like to do?" },
        footer: { text: "Acme support" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "track", title: "Track order" } },
            { type: "reply", reply: { id: "human", title: "Talk to a person" } },
          ],
        },
      },
    });
  });

  it("a list of time slots: exact payload, delivered", async () => {
    const id = await sent("send_interactive", {
      to: CUSTOMER,
      kind: "list",
      header: { type: "text", text: "Pick a slot" },
      body: "When should the courier come?",
      button_text: "See slots",
      sections: [
        { title: "Monday", rows: [{ id: "mon-am", title: "09:00–12:00", description: "Morning" }] },
        { title: "Tuesday", rows: [{ id: "tue-pm", title: "13:00–17:00" }] },
      ],
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "interactive",
      interactive: {
        type: "list",
        header: { type: "text", text: "Pick a slot" },
        body: { text: "When should the courier come?" },
        action: {
          button: "See slots",
          sections: [
            { title: "Monday", rows: [{ id: "mon-am", title: "09:00–12:00", description: "Morning" }] },
            { title: "Tuesday", rows: [{ id: "tue-pm", title: "13:00–17:00" }] },
          ],
        },
      },
    });
  });

  it("a link button and a location request: exact payloads, delivered", async () => {
    const cta = await sent("send_interactive", {
      to: CUSTOMER,
      kind: "cta_url",
      body: "Track it here",
      cta: { display_text: "Track", url: "https://shop.example.com/t/A-1001" },
    });
    expect(await deliveredBody(cta)).toEqual({
      ...envelope(cta),
      type: "interactive",
      interactive: {
        type: "cta_url",
        body: { text: "Track it here" },
        action: { name: "cta_url", parameters: { display_text: "Track", url: "https://shop.example.com/t/A-1001" } },
      },
    });
    const loc = await sent("send_interactive", { to: CUSTOMER, kind: "location_request", body: "Where are you?" });
    expect(await deliveredBody(loc)).toEqual({
      ...envelope(loc),
      type: "interactive",
      interactive: {
        type: "location_request_message",
        body: { text: "Where are you?" },
        action: { name: "send_location" },
      },
    });
  });

  it("each of Meta's limits, violated once, is refused naming the field and the limit; nothing queued", async () => {
    const before = await outboundCount();
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { kind: "buttons", body: "b", buttons: [{ id: "a", title: "x".repeat(21) }] },
        /^buttons\[0\]\.title: 21 characters; Meta allows at most 20/,
      ],
      [{ kind: "buttons", body: "b", buttons: rows(4) }, /^buttons: 4 reply buttons; Meta allows 1–3/],
      [{ kind: "buttons", body: "b", buttons: [] }, /^buttons: 0 reply buttons/],
      [
        {
          kind: "buttons",
          body: "b",
          buttons: [
            { id: "a", title: "A" },
            { id: "a", title: "B" },
          ],
        },
        /^buttons: id "a" is used twice/,
      ],
      [
        { kind: "buttons", body: "b".repeat(1025), buttons: rows(1) },
        /^body: 1025 characters; Meta allows at most 1024/,
      ],
      [
        { kind: "buttons", body: "b", header: { type: "text", text: "h".repeat(61) }, buttons: rows(1) },
        /^header\.text: 61 characters; Meta allows at most 60/,
      ],
      [
        { kind: "buttons", body: "b", footer: "f".repeat(61), buttons: rows(1) },
        /^footer: 61 characters; Meta allows at most 60/,
      ],
      [
        { kind: "buttons", body: "b", header: { type: "image", link: "javascript:x" }, buttons: rows(1) },
        /^header\.link: only https/,
      ],
      [
        list({
          sections: [
            { title: "A", rows: rows(6) },
            { title: "B", rows: rows(5).map((r) => ({ ...r, id: `b${r.id}` })) },
          ],
        }),
        /^sections: 11 rows in all; Meta allows 1–10/,
      ],
      [
        list({
          sections: Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: [{ id: `s${i}`, title: "x" }] })),
        }),
        /^sections: 11 sections; Meta allows 1–10/,
      ],
      [
        list({ sections: [{ rows: [{ id: "a", title: "x".repeat(25) }] }] }),
        /^sections\[0\]\.rows\[0\]\.title: 25 characters; Meta allows at most 24/,
      ],
      [
        list({ sections: [{ rows: [{ id: "a", title: "x", description: "d".repeat(73) }] }] }),
        /^sections\[0\]\.rows\[0\]\.description: 73 characters; Meta allows at most 72/,
      ],
      [
        list({ sections: [{ title: "t".repeat(25), rows: rows(1) }] }),
        /^sections\[0\]\.title: 25 characters; Meta allows at most 24/,
      ],
      [
        list({ sections: [{ title: "A", rows: rows(1) }, { rows: [{ id: "z", title: "z" }] }] }),
        /^sections\[1\]\.title: required when there is more than one section/,
      ],
      [
        list({ button_text: "x".repeat(21), sections: [{ rows: rows(1) }] }),
        /^button_text: 21 characters; Meta allows at most 20/,
      ],
      [
        list({ header: { type: "image", media_id: "1" }, sections: [{ rows: rows(1) }] }),
        /^header: a list message takes a text header only/,
      ],
      [
        { kind: "cta_url", body: "b", cta: { display_text: "Go", url: "http://shop.example.com" } },
        /^cta\.url: only https links/,
      ],
      [
        { kind: "cta_url", body: "b", cta: { display_text: "x".repeat(21), url: "https://shop.example.com" } },
        /^cta\.display_text: 21 characters; Meta allows at most 20/,
      ],
      [{ kind: "location_request", body: "b", buttons: rows(1) }, /^buttons: not used by kind location_request/],
    ];
    for (const [args, why] of cases) {
      const r = await gw.call("send_interactive", { to: CUSTOMER, ...args });
      expect(r.structured.reason_code, JSON.stringify(args).slice(0, 120)).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(why);
    }
    expect(await outboundCount()).toBe(before);
  });

  it("outside the window: TEMPLATE_REQUIRED", async () => {
    const r = await gw.call("send_interactive", { to: COLD, kind: "buttons", body: "b", buttons });
    expect(r.structured).toMatchObject({ reason_code: "TEMPLATE_REQUIRED" });
  });

  it("replays an idempotency key with the same content; other content under the key is refused", async () => {
    const args = { to: CUSTOMER, kind: "buttons", body: "Still there?", buttons, idempotency_key: "rich-k1" };
    const a = await gw.call("send_interactive", args);
    const b = await gw.call("send_interactive", {
      ...args,
      buttons: buttons.map((x) => ({ title: x.title, id: x.id })),
    });
    expect(b.structured).toMatchObject({ message_id: a.structured.message_id, duplicate: true });
    const c = await gw.call("send_interactive", { ...args, body: "Something else" });
    expect(c.structured.reason_code).toBe("DUPLICATE_REQUEST");
  });
});

describe("send_location", () => {
  it("a pin with name and address: exact payload, delivered", async () => {
    const id = await sent("send_location", {
      to: CUSTOMER,
      latitude: -6.2,
      longitude: 106.816666,
      name: "Acme Store",
      address: "Jl. Sudirman 1, Jakarta",
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "location",
      location: { latitude: -6.2, longitude: 106.816666, name: "Acme Store", address: "Jl. Sudirman 1, Jakarta" },
    });
  });

  it("refuses out-of-range coordinates, and outside the window TEMPLATE_REQUIRED", async () => {
    const lat = await gw.call("send_location", { to: CUSTOMER, latitude: 91, longitude: 0 });
    expect(lat.structured).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    expect(lat.structured.human_explanation).toMatch(/^latitude: .*-90 to 90/);
    const lon = await gw.call("send_location", { to: CUSTOMER, latitude: 0, longitude: -180.5 });
    expect(lon.structured.human_explanation).toMatch(/^longitude: .*-180 to 180/);
    const cold = await gw.call("send_location", { to: COLD, latitude: 0, longitude: 0 });
    expect(cold.structured.reason_code).toBe("TEMPLATE_REQUIRED");
  });
});

describe("react_to_message", () => {
  it("reacts to the customer's message by wamid and to ours by id: exact payloads, delivered", async () => {
    const inbound = await customerWrites(CUSTOMER, "Thanks!");
    const id = await sent("react_to_message", { message_id: inbound.wamid, emoji: "👍🏽" });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "reaction",
      reaction: { message_id: inbound.wamid, emoji: "👍🏽" },
    });
    const ours = await sent("send_location", { to: CUSTOMER, latitude: 1, longitude: 2 });
    await deliveredBody(ours);
    const wamid = (await db.selectFrom("messages").select("wamid").where("id", "=", ours).executeTakeFirstOrThrow())
      .wamid;
    const flag = await sent("react_to_message", { message_id: ours, emoji: "🇮🇩" });
    expect((await deliveredBody(flag))["reaction"]).toEqual({ message_id: wamid, emoji: "🇮🇩" });
    const removed = await sent("react_to_message", { message_id: ours, emoji: "" });
    expect((await deliveredBody(removed))["reaction"]).toEqual({ message_id: wamid, emoji: "" });
  });

  it("refuses anything but one emoji, an unknown message, and a shut window (WINDOW_CLOSED)", async () => {
    const inbound = await customerWrites(CUSTOMER, "ok");
    for (const emoji of ["ok", "👍👍", "a👍"]) {
      const r = await gw.call("react_to_message", { message_id: inbound.wamid, emoji });
      expect(r.structured.reason_code, emoji).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(/^emoji: .*not exactly one emoji/);
    }
    const unknown = await gw.call("react_to_message", { message_id: "wamid.nope", emoji: "👍" });
    expect(unknown.structured.reason_code).toBe("NOT_FOUND");
    const old = await customerWrites(COLD, "old news", Math.floor(Date.now() / 1000) - 3 * 86_400);
    const shut = await gw.call("react_to_message", { message_id: old.wamid, emoji: "👍" });
    expect(shut.structured.reason_code).toBe("WINDOW_CLOSED");
  });
});

describe("mark_read", () => {
  it("marks an inbound message read with a typing indicator, audited, even with the window shut", async () => {
    const old = await customerWrites(COLD, "are you there?", Math.floor(Date.now() / 1000) - 3 * 86_400);
    const r = await gw.call("mark_read", { message_id: old.id, typing_indicator: true });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toEqual({ message_id: old.id, wamid: old.wamid, customer_id: COLD, typing_indicator: true });
    const log = (await mock("/_mock/calls?include_body=true")) as { calls: { type: string; body: unknown }[] };
    expect(log.calls.filter((c) => c.type === "read").map((c) => c.body)).toContainEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: old.wamid,
      typing_indicator: { type: "text" },
    });
    const audit = await db
      .selectFrom("audit_logs")
      .select(["actor", "action"])
      .where("subject_id", "=", old.id)
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actor: "agent", action: "message.marked_read" });
  });

  it("refuses our own message and an unknown one", async () => {
    const ours = await sent("send_location", { to: CUSTOMER, latitude: 3, longitude: 4 });
    await deliveredBody(ours);
    const own = await gw.call("mark_read", { message_id: ours });
    expect(own.structured).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    expect(own.structured.human_explanation).toMatch(/message we sent/);
    const unknown = await gw.call("mark_read", { message_id: "wamid.unknown" });
    expect(unknown.structured.reason_code).toBe("NOT_FOUND");
  });
});

describe("media_link_domains policy", () => {
  it("links to other hosts get POLICY_RESTRICTION; listed domains and media ids pass", async () => {
    await db
      .insertInto("policies")
      .values({
        id: "links_own_cdn",
        name: "Links only to our CDN",
        type: "media_link_domains",
        rules: JSON.stringify({ allowed_domains: ["example.com"] }),
      })
      .execute();
    gw.clients.deps.compliance.invalidatePolicies();
    const off = await gw.call("send_media", {
      to: CUSTOMER,
      media_type: "image",
      link: "https://evil.example.org/a.jpg",
    });
    expect(off.structured).toMatchObject({
      reason_code: "POLICY_RESTRICTION",
      details: { policy_id: "links_own_cdn" },
    });
    expect(off.structured.human_explanation).toMatch(/evil\.example\.org/);
    const cta = await gw.call("send_interactive", {
      to: CUSTOMER,
      kind: "cta_url",
      body: "b",
      cta: { display_text: "Go", url: "https://tracker.example.net/x" },
    });
    expect(cta.structured.reason_code).toBe("POLICY_RESTRICTION");
    await sent("send_media", { to: CUSTOMER, media_type: "image", link: "https://cdn.example.com/ok.jpg" });
    await sent("send_media", { to: CUSTOMER, media_type: "image", media_id: "42" });
    await db.deleteFrom("policies").where("id", "=", "links_own_cdn").execute();
    gw.clients.deps.compliance.invalidatePolicies();
  });
});
