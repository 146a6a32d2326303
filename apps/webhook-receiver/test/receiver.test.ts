import { createHash } from "node:crypto";
import { connectBus, ensureTopology, type Bus, busSubjects } from "@wa/bus";
import { createDb, type Db } from "@wa/db";
import { escapeNonAscii } from "@wa/meta";
import { inboxSize, storeInInbox } from "@wa/webhooks";
import { busNames, dropStreams, TEST_NATS_URL, useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReceiverApp } from "../src/app.js";
import { type BusLink, createBusLink } from "../src/bus-link.js";
import { APP_SECRET, memoryLogger, signed, statusBody, testMetrics, VERIFY_TOKEN, waitFor } from "./support.js";

const dbHandle = useTestDatabase();
const names = busNames();
let db: Db;
let admin: Bus;
let link: BusLink;
const mem = memoryLogger();
const metrics = testMetrics();

function makeApp(over: Partial<Parameters<typeof createReceiverApp>[0]> = {}) {
  return createReceiverApp({
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
    bodyLimitBytes: 4096,
    bufferBytes: 64 * 1024,
    publish: link.publish,
    natsUp: link.up,
    store: (b, at) => storeInInbox(db, b, at),
    ready: async () => ({ ok: link.up(), checks: { nats: link.up() } }),
    metrics,
    log: mem.log,
    ...over,
  });
}

const post = (app: ReturnType<typeof makeApp>, body: string | Uint8Array, headers: Record<string, string>) =>
  app.request("/webhook", { method: "POST", body, headers });

async function lastStored() {
  return admin.jsm.streams.getMessage(names.WEBHOOK_STREAM, { last_by_subj: busSubjects(names).webhookEvents });
}

beforeAll(async () => {
  db = createDb(dbHandle.url, { max: 4 });
  admin = await connectBus({ url: TEST_NATS_URL, name: "receiver-test" });
  await ensureTopology(admin.jsm, names);
  link = createBusLink({ url: TEST_NATS_URL, name: "receiver-test-link", names, log: mem.log, timeoutMs: 1000 });
  await waitFor("nats link", async () => link.up());
});

afterAll(async () => {
  await link.close();
  await dropStreams(admin.jsm, names);
  await admin.close();
  await db.destroy();
});

describe("GET /webhook (verification handshake)", () => {
  it("echoes the challenge for the right token", async () => {
    const res = await makeApp().request(
      `/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("1158201444");
  });
  it("answers 403 for a wrong token, a wrong mode or no challenge", async () => {
    const app = makeApp();
    expect((await app.request("/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")).status).toBe(403);
    expect(
      (await app.request(`/webhook?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status,
    ).toBe(403);
    expect((await app.request(`/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`)).status).toBe(403);
  });
});

describe("POST /webhook refusals", () => {
  const body = statusBody([{ id: "wamid.R1", status: "sent" }]);
  it("401 without a signature, with a wrong one, with another secret, or with a non-sha256 prefix", async () => {
    const app = makeApp();
    expect((await post(app, body, { "content-type": "application/json" })).status).toBe(401);
    expect((await post(app, body, { "x-hub-signature-256": `sha256=${"0".repeat(64)}` })).status).toBe(401);
    expect((await post(app, body, signed(body, "other-secret").headers)).status).toBe(401);
    const sig = signed(body).headers["x-hub-signature-256"]!;
    expect((await post(app, body, { "x-hub-signature-256": sig.replace("sha256=", "sha1=") })).status).toBe(401);
  });
  it("413 over the size limit, by header or by the bytes actually sent", async () => {
    const big = statusBody(Array.from({ length: 60 }, (_, i) => ({ id: `wamid.BIG${i}`, status: "sent" })));
    expect(big.length).toBeGreaterThan(4096);
    const res = await post(makeApp(), big, signed(big).headers);
    expect(res.status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res2 = await makeApp().request("/webhook", {
      method: "POST",
      body: stream,
      headers: signed(big).headers,
      duplex: "half",
    } as RequestInit);
    expect(res2.status).toBe(413);
  });
  it("400 for a signed body that is not JSON or not a WhatsApp envelope", async () => {
    const app = makeApp();
    for (const b of [
      "not json {",
      "[1,2]",
      JSON.stringify({ object: "page", entry: [] }),
      JSON.stringify({ object: "whatsapp_business_account" }),
    ]) {
      const res = await post(app, b, signed(b).headers);
      expect(res.status, b).toBe(400);
    }
  });
});

describe("POST /webhook accepted", () => {
  it("publishes the raw bytes with Nats-Msg-Id = sha256 and answers 200; a redelivery is a duplicate", async () => {
    const app = makeApp();
    const body = statusBody([{ id: "wamid.OK1", status: "delivered" }]);
    const before = (await admin.jsm.streams.info(names.WEBHOOK_STREAM)).state.messages;
    const res = await post(app, body, signed(body).headers);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
    const msg = await lastStored();
    expect(Buffer.from(msg!.data).toString()).toBe(body);
    expect(msg!.header.get("Nats-Msg-Id")).toBe(createHash("sha256").update(body).digest("hex"));
    expect((await post(app, body, signed(body).headers)).status).toBe(200);
    expect((await admin.jsm.streams.info(names.WEBHOOK_STREAM)).state.messages).toBe(before + 1);
    expect(await metrics.registry.getSingleMetricAsString("wa_webhook_requests_total")).toMatch(/outcome="duplicate"/);
  });

  it("verifies emoji bodies over Meta's escaped bytes, not over a re-serialization", async () => {
    const app = makeApp();
    const raw = textBodyWithEmoji();
    const escaped = escapeNonAscii(raw);
    expect(escaped).not.toBe(raw);
    const ok = await post(app, escaped, signed(escaped).headers);
    expect(ok.status).toBe(200);
    expect(Buffer.from((await lastStored())!.data).toString()).toBe(escaped);
    // The signature of the escaped bytes does not fit the same JSON re-encoded as UTF-8.
    const res = await post(app, raw, { "x-hub-signature-256": signed(escaped).headers["x-hub-signature-256"]! });
    expect(res.status).toBe(401);
  });

  it("keeps the body in the Postgres inbox and answers 200 when NATS cannot take it", async () => {
    const dead = await connectBus({ url: TEST_NATS_URL, name: "dead-link" });
    await dead.close();
    const app = makeApp({
      publish: async (b, at) => {
        const { publishWebhookBody } = await import("@wa/bus");
        return publishWebhookBody(dead.js, names, b, { receivedAt: at, timeoutMs: 200 });
      },
    });
    const body = statusBody([{ id: "wamid.INBOX1", status: "read" }]);
    const before = await inboxSize(db);
    const res = await post(app, body, signed(body).headers);
    expect(res.status).toBe(200);
    expect(await inboxSize(db)).toBe(before + 1);
    const row = await db
      .selectFrom("webhook_inbox")
      .selectAll()
      .where("body_sha256", "=", createHash("sha256").update(body).digest("hex"))
      .executeTakeFirstOrThrow();
    expect(row.body.toString()).toBe(body);
    // Known-down NATS skips the publish attempt altogether.
    const res2 = await post(makeApp({ natsUp: () => false }), body, signed(body).headers);
    expect(res2.status).toBe(200);
    expect(await inboxSize(db)).toBe(before + 1);
  });

  it("answers 503 when neither NATS nor Postgres can keep it", async () => {
    const downDb = createDb("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    try {
      const app = makeApp({ natsUp: () => false, store: (b, at) => storeInInbox(downDb, b, at) });
      const body = statusBody([{ id: "wamid.DOWN1", status: "sent" }]);
      expect((await post(app, body, signed(body).headers)).status).toBe(503);
    } finally {
      await downDb.destroy();
    }
  });
});

describe("ops endpoints and logs", () => {
  it("/health, /ready and /metrics", async () => {
    const app = makeApp();
    expect(await (await app.request("/health")).json()).toEqual({ status: "ok" });
    const ready = await app.request("/ready");
    expect(ready.status).toBe(200);
    const notReady = await makeApp({ ready: async () => ({ ok: false, checks: { nats: false } }) }).request("/ready");
    expect(notReady.status).toBe(503);
    const m = await (await app.request("/metrics")).text();
    expect(m).toContain("wa_webhook_requests_total");
    expect(m).toContain("wa_webhook_ingest_seconds");
  });
  it("access logs carry a request id, never bodies, signatures or tokens", async () => {
    const app = makeApp();
    const body = statusBody([{ id: "wamid.SECRETBODY", status: "sent" }]);
    await post(app, body, { ...signed(body).headers, "x-request-id": "req-abc-1" });
    await app.request(`/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=7`);
    const all = mem.lines.join("\n");
    expect(mem.lines.some((l) => l.includes('"request_id":"req-abc-1"') && l.includes('"status":200'))).toBe(true);
    expect(all).not.toContain("SECRETBODY");
    expect(all).not.toContain(VERIFY_TOKEN);
    expect(all).not.toContain(APP_SECRET);
    expect(all).not.toContain(signed(body).headers["x-hub-signature-256"]!.slice(7));
  });
});

function textBodyWithEmoji(): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "200000000000001",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: "100000000000001" },
              contacts: [{ profile: { name: "José 😀" }, wa_id: "6281234567890" }],
              messages: [
                {
                  from: "6281234567890",
                  id: "wamid.EMOJI1",
                  timestamp: "1760000000",
                  type: "text",
                  text: { body: "Olá 👋 café" },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}
