import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMetaClient, type MetaResult } from "../src/index.js";

// The default transport (undici's pool) against a bare node:http server: socket faults a Graph client must
// report the way the delivery worker expects (a cut after the request left is never 'refused').
const SEND_OK = {
  messaging_product: "whatsapp",
  contacts: [{ input: "1", wa_id: "1" }],
  messages: [{ id: "wamid.T" }],
};

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function listen(s: Server): Promise<string> {
  server = s;
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const clientAt = (baseUrl: string) =>
  createMetaClient({ baseUrl, version: "v25.0", accessToken: "t0ken", phoneNumberId: "1", wabaId: "2" });

function errorOf<T>(res: MetaResult<T>) {
  if (res.ok) throw new Error("expected a failure");
  return res.error;
}

describe("undici transport", () => {
  it("a socket cut after the request arrived is a network fault, not a refused connection", async () => {
    const url = await listen(createServer((req) => req.on("data", () => req.socket.destroy())));
    const error = errorOf(await clientAt(url).sendText({ to: "+15550001", body: "x" }));
    expect(error).toMatchObject({ kind: "network", httpStatus: null });
    expect(error.message).not.toMatch(/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/);
    expect(error.message).not.toContain("t0ken");
  });

  it("retires an idle socket before the server's Keep-Alive timeout, so no send meets a closing socket", async () => {
    const ports: number[] = [];
    const s = createServer((req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      req.resume();
      req.on("end", () => res.setHeader("content-type", "application/json").end(JSON.stringify(SEND_OK)));
    });
    s.keepAliveTimeout = 3_000; // advertised as "Keep-Alive: timeout=3"
    const client = clientAt(await listen(s));
    for (const body of ["a", "b", "c", "d"]) expect((await client.sendText({ to: "+15550001", body })).ok).toBe(true);
    const before = new Set(ports);
    expect(before.size).toBeLessThan(4); // kept alive (the pool may alternate between two sockets)
    await new Promise((r) => setTimeout(r, 1_500)); // past undici's retirement (3 s - 2 s), before the server's
    expect((await client.sendText({ to: "+15550001", body: "e" })).ok).toBe(true);
    expect(before.has(ports[4] ?? 0)).toBe(false); // a fresh socket: the idle ones were retired by the client
  });
});
