// Load generators on node:http keep-alive sockets, so a bench needs no load tool as a dependency.
import { Agent, request } from "node:http";

export interface Req {
  method: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  ok: number; // 2xx
  bad: number; // other statuses and socket errors
  p50: number;
  p99: number;
  seconds: number; // first request sent → last answer
}

function send(agent: Agent, url: URL, r: Req, due: number, latencies: number[]): Promise<boolean> {
  return new Promise((resolve) => {
    const headers = r.body === undefined ? r.headers : { ...r.headers, "content-length": Buffer.byteLength(r.body) };
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: r.method, agent, headers },
      (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - due);
          resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
        });
      },
    );
    req.on("error", () => resolve(false));
    req.end(r.body);
  });
}

function summary(latencies: number[], ok: number, bad: number, t0: number): LoadResult {
  const sorted = latencies.toSorted((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { ok, bad, p50: at(0.5), p99: at(0.99), seconds: Math.max(1e-3, (performance.now() - t0) / 1000) };
}

/** Closed loop: `connections` keep-alive sockets, each sending its next request as soon as the last answered. */
export async function closedLoop(
  url: URL,
  connections: number,
  amount: number,
  make: (i: number) => Req,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let [next, ok, bad] = [0, 0, 0];
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < amount) {
      const i = next++;
      if (await send(agent, url, make(i), performance.now(), latencies)) ok += 1;
      else bad += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, amount) }, worker));
  agent.destroy();
  return summary(latencies, ok, bad, t0);
}

/**
 * Open loop on an even schedule: request i is due at i/rate s (up to `connections` sockets), its latency counted
 * from its due time, so a stalled server shows in the tail instead of slowing the load down.
 */
export async function openLoop(
  url: URL,
  connections: number,
  ratePerSec: number,
  reqs: readonly Req[],
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let [ok, bad] = [0, 0];
  const interval = 1000 / ratePerSec;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < reqs.length; ) {
    const now = performance.now();
    while (i < reqs.length && t0 + i * interval <= now) {
      inflight.push(
        send(agent, url, reqs[i]!, t0 + i * interval, latencies).then((good) => {
          if (good) ok += 1;
          else bad += 1;
        }),
      );
      i += 1;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  agent.destroy();
  return summary(latencies, ok, bad, t0);
}
