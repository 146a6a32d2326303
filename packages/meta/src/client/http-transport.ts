import http from "node:http";
import https from "node:https";

/** What a Graph call needs back: the status and the body as text. */
interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

interface HttpInit {
  readonly method: "GET" | "POST";
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

/** One HTTP round trip; rejects on a network fault or an abort (the caller maps both to a MetaError). */
export type HttpTransport = (url: string, init: HttpInit) => Promise<HttpAnswer>;

/** An injected `fetch` (tests, proxies) as a transport. */
export function fetchTransport(f: typeof fetch): HttpTransport {
  return async (url, init) => {
    const res = await f(url, init);
    return { status: res.status, text: await res.text() };
  };
}

// One keep-alive pool per process: Node 20's fetch spends ~0.5 ms of CPU per call on web streams and Request
// objects that a Graph call does not need (measured, issue 19); node:http with the same pooling does not.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/** node:http(s) with keep-alive agents; the default transport of the Graph clients. */
export const nodeTransport: HttpTransport = (url, init) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : http;
    const agent = u.protocol === "https:" ? agents["https:"] : agents["http:"];
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers["content-length"] = Buffer.byteLength(init.body);
    const req = mod.request(u, { method: init.method, headers, agent, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
