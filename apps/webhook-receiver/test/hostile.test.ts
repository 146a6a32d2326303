// Hostile input against a real listening receiver on loopback (issue 21): every case answers with a status,
// never a broken pipe, a 400 for Meta's webhook or an unbounded buffer. Each request is bounded in time.
import http from "node:http";
import net from "node:net";
import { type Bus, connectBus, ensureTopology } from "@wa/bus";
import { createDb, type Db } from "@wa/db";
import { busNames, dropStreams, TEST_NATS_URL, useTestDatabase } from "@wa/testkit";
import { storeInInbox } from "@wa/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReceiverApp } from "../src/app.js";
import { type BusLink, createBusLink } from "../src/bus-link.js";
import { type Listening, serveReceiver } from "../src/server.js";
import { APP_SECRET, memoryLogger, signed, statusBody, testMetrics, VERIFY_TOKEN, waitFor } from "./support.js";

const LIMIT = 3 * 1024 * 1024;
const BUFFER = 4 * 1024 * 1024; // room for one maximal body, not two
const names = busNames();
const dbHandle = useTestDatabase();
let db: Db;
const mem = memoryLogger();
const metrics = testMetrics();
const buffered = async () => (await metrics.webhookBuffered.get()).values[0]?.value ?? 0;
let admin: Bus;
let link: BusLink;
let srv: Listening;

beforeAll(async () => {
  db = createDb(dbHandle.url, { max: 2 });
  admin = await connectBus({ url: TEST_NATS_URL, name: "hostile-test" });
  await ensureTopology(admin.jsm, names);
  link = createBusLink({ url: TEST_NATS_URL, name: "hostile-test-link", names, log: mem.log, timeoutMs: 1000 });
  await waitFor("nats link", async () => link.up());
  const app = createReceiverApp({
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
    bodyLimitBytes: LIMIT,
    bufferBytes: BUFFER,
    publish: link.publish,
    natsUp: link.up,
    store: (b, at) => storeInInbox(db, b, at), // bodies over NATS's max payload end here
    ready: async () => ({ ok: true, checks: {} }),
    metrics,
    log: mem.log,
  });
  srv = await serveReceiver(app.fetch, 0, "127.0.0.1");
});

afterAll(async () => {
  await new Promise<void>((r) => srv.server.close(() => r()));
  srv.server.closeAllConnections();
  await link.close();
  await dropStreams(admin.jsm, names);
  await admin.close();
  await db.destroy();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One POST /webhook; `stall` keeps the request open after the first `stall` bytes until `release` resolves. */
function post(
  body: Buffer,
  headers: Record<string, string>,
  opts: { chunked?: boolean; stall?: number; release?: Promise<void> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: srv.port,
        path: "/webhook",
        method: "POST",
        timeout: 20_000,
        headers: { ...headers, ...(opts.chunked ? {} : { "content-length": String(body.length) }) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString() }),
        );
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    if (opts.stall !== undefined && opts.release) {
      req.write(body.subarray(0, opts.stall));
      void opts.release.then(() => req.end(body.subarray(opts.stall)));
    } else {
      req.end(body);
    }
  });
}

/** Raw bytes on a socket: for header values Node's own client refuses to send. */
function rawPost(head: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, "127.0.0.1", () =>
      sock.write(Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body)])),
    );
    let out = "";
    sock.setTimeout(10_000, () => sock.destroy(new Error("raw request timed out")));
    sock.on("data", (d) => (out += d.toString("latin1")));
    sock.on("end", () => resolve(out));
    sock.on("error", reject);
  });
}

/** A promise with its resolve outside (Node 20 has no Promise.withResolvers). */
function gate(): { promise: Promise<void>; resolve: () => void } {
  const out = { resolve: (): void => undefined };
  const promise = new Promise<void>((r) => (out.resolve = r));
  return { promise, resolve: () => out.resolve() };
}

const sizedBody = (bytes: number): Buffer => {
  const b = Buffer.alloc(bytes, 0x20);
  b.write('{"object":"whatsapp_business_account","entry":[]}');
  return b;
};

describe("over-limit bodies", () => {
  const big = sizedBody(4_400_000);
  it("a signed or unsigned 4.4 MB body (limit 3 MiB) gets 413 and the connection closes, not EPIPE", async () => {
    for (const headers of [signed(big).headers, { "content-type": "application/json" }]) {
      const res = await post(big, headers);
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe("close");
    }
  });
  it("a chunked body that passes the limit while being read gets 413 too", async () => {
    const res = await post(big, signed(big).headers, { chunked: true });
    expect(res.status).toBe(413);
  });
});

describe("buffer budget", () => {
  it("refuses unsigned bodies unread: they take no buffer, so a signed body still gets 200 meanwhile", async () => {
    const junk = sizedBody(3_000_000);
    const release = gate();
    const flood = Array.from({ length: 6 }, () =>
      post(junk, { "content-type": "application/json" }, { stall: 1_000_000, release: release.promise }),
    );
    const body = Buffer.from(statusBody([{ id: "wamid.HOSTILE1", status: "sent" }]));
    expect((await post(body, signed(body).headers)).status).toBe(200);
    release.resolve();
    for (const r of await Promise.all(flood)) expect(r.status).toBe(401);
  });
  it("answers 503 with Retry-After when the bodies in memory would pass the budget; the held one still succeeds", async () => {
    const body = Buffer.from(statusBody([{ id: "wamid.HOSTILE2", status: "delivered" }]));
    const padded = Buffer.concat([body, Buffer.alloc(3_000_000 - body.length, 0x20)]);
    const release = gate();
    const held = post(padded, signed(padded).headers, { stall: 1000, release: release.promise });
    await waitFor("the held body's bytes reserved", async () => (await buffered()) >= padded.length);
    const second = await post(padded, signed(padded).headers);
    expect(second.status).toBe(503);
    expect(second.headers["retry-after"]).toMatch(/^\d+$/);
    release.resolve();
    expect((await held).status).toBe(200);
    // The budget is given back: the same body now goes through.
    expect(await buffered()).toBe(0);
    expect((await post(padded, signed(padded).headers)).status).toBe(200);
  });
  it("a client that goes away mid-body gives its reservation back, and the next body is accepted", async () => {
    const body = Buffer.from(statusBody([{ id: "wamid.HOSTILE5", status: "delivered" }]));
    const padded = Buffer.concat([body, Buffer.alloc(2_000_000 - body.length, 0x20)]);
    const sock = net.connect(srv.port, "127.0.0.1");
    await new Promise<void>((r) => sock.once("connect", () => r()));
    const head =
      `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `X-Hub-Signature-256: ${signed(padded).headers["x-hub-signature-256"]}\r\nContent-Length: ${padded.length}\r\n\r\n`;
    sock.write(Buffer.concat([Buffer.from(head, "latin1"), padded.subarray(0, 1000)]));
    await waitFor("the body's bytes reserved", async () => (await buffered()) >= padded.length);
    sock.destroy();
    await waitFor("the reservation given back", async () => (await buffered()) === 0);
    expect(mem.lines.some((l) => l.includes("webhook client left before its body ended"))).toBe(true);
    const next = Buffer.from(statusBody([{ id: "wamid.HOSTILE6", status: "read" }]));
    expect((await post(next, signed(next).headers)).status).toBe(200);
  });
});

describe("headers", () => {
  it("a request id with control characters is replaced, and Meta's webhook is still accepted", async () => {
    const body = statusBody([{ id: "wamid.HOSTILE3", status: "read" }]);
    const sig = signed(body).headers["x-hub-signature-256"]!;
    for (const id of ["abc\x01def", "a\x00b", "x\x1b[31my", "a\x7fb"]) {
      const head =
        `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${sig}\r\n` +
        `X-Request-Id: ${id}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
      const out = await rawPost(head, body);
      expect(out.split("\r\n")[0], JSON.stringify(id)).toBe("HTTP/1.1 200 OK");
      expect(out).toMatch(/x-request-id: [0-9a-f-]{36}\r\n/i);
    }
  });
  it("refuses a request that carries both Transfer-Encoding and Content-Length (framing ambiguity)", async () => {
    const body = statusBody([{ id: "wamid.HOSTILE4", status: "read" }]);
    const head =
      `POST /webhook HTTP/1.1\r\nHost: x\r\nX-Hub-Signature-256: ${signed(body).headers["x-hub-signature-256"]}\r\n` +
      `Transfer-Encoding: chunked\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const out = await rawPost(head, chunked);
    expect(out.split("\r\n")[0]).toMatch(/^HTTP\/1\.1 400 /);
  });
});
