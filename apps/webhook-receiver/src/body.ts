import type { IncomingMessage } from "node:http";

/** The bytes of request bodies held in memory at once, across all requests (bounds memory under a flood). */
export interface ByteBudget {
  /** Reserves `bytes`; false when that would pass the total (the caller answers 503 without reading). */
  take(bytes: number): boolean;
  release(bytes: number): void;
  inUse(): number;
}

export function createByteBudget(total: number): ByteBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > total) return false;
      used += bytes;
      return true;
    },
    release(bytes) {
      used = Math.max(0, used - bytes);
    },
    inUse: () => used,
  };
}

/** Content-Length as a number; null when absent or not a plain decimal (chunked bodies). */
export function declaredLength(req: Request): number | null {
  const raw = req.headers.get("content-length");
  return raw !== null && /^\d{1,15}$/.test(raw.trim()) ? Number(raw) : null;
}

/**
 * Reads and drops the rest of a body, at most `bound` bytes in all, so a refusal reaches a client that is
 * still sending (answering mid-upload gives it EPIPE instead of the status). False when the bound was hit.
 * Given Node's IncomingMessage (a real server) it drains that directly: no web-stream cost per chunk.
 */
export async function discardBody(req: Request, bound: number, incoming?: IncomingMessage): Promise<boolean> {
  if (incoming) return drainIncoming(incoming, bound);
  if (!req.body || req.bodyUsed) return true;
  return drain(req.body.getReader(), bound, 0);
}

function drainIncoming(incoming: IncomingMessage, bound: number): Promise<boolean> {
  if (incoming.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ok: boolean) => {
      incoming.off("data", onData).off("end", onEnd).off("error", onFail).off("close", onFail);
      if (!ok) incoming.pause();
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > bound) done(false);
    };
    const onEnd = () => done(true);
    const onFail = () => done(incoming.readableEnded);
    incoming.on("data", onData).on("end", onEnd).on("error", onFail).on("close", onFail);
    incoming.resume();
  });
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, bound: number, seen: number): Promise<boolean> {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      seen += value.byteLength;
      if (seen > bound) {
        await reader.cancel().catch(() => {});
        return false;
      }
    }
  } catch {
    return false; // the client went away: nothing left to answer
  }
}

export type ReadOutcome = { readonly body: Uint8Array } | { readonly body: null; readonly drained: boolean };

/**
 * Reads a body of at most `limit` bytes. A larger one (sent chunked, without a length) is discarded up to
 * `discardBound` bytes in all and comes back as `body: null`. Check the declared length against the limit first.
 */
export async function readLimited(
  req: Request,
  limit: number,
  discardBound: number,
  incoming?: IncomingMessage,
): Promise<ReadOutcome> {
  if (incoming) return readIncoming(incoming, limit, discardBound);
  if (!req.body) return { body: new Uint8Array(0) };
  // A declared length within the limit: read it in one go (much cheaper than pulling chunks through a
  // web stream); the HTTP parser holds the body to the length it declared.
  if (declaredLength(req) !== null) {
    const all = new Uint8Array(await req.arrayBuffer());
    return all.byteLength > limit ? { body: null, drained: true } : { body: all };
  }
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) return { body: null, drained: await drain(reader, discardBound, size) };
    chunks.push(value);
  }
  if (chunks.length === 1) return { body: chunks[0]! };
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return { body: out };
}

/**
 * readLimited on Node's IncomingMessage (a real server): no Request body, web stream or transferable per request
 * (~6 % of the receiver's CPU at saturation, issue 19). Past the limit the rest is drained by drainIncoming.
 * Rejects when the client goes away mid-body, as the stream read does.
 */
function readIncoming(incoming: IncomingMessage, limit: number, bound: number): Promise<ReadOutcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = () => incoming.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      settle();
      if (size > bound) {
        incoming.pause();
        return resolve({ body: null, drained: false });
      }
      void drainIncoming(incoming, bound - size).then((drained) => resolve({ body: null, drained }));
    };
    const onEnd = () => {
      settle();
      resolve({ body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onGone = (err?: Error) => {
      settle();
      reject(err ?? new Error("the client closed the request before its body ended"));
    };
    incoming.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
  });
}

/** A shallow envelope check: the processor parses the rest (parseWebhook never refuses inside an envelope). */
export function envelopeProblem(body: Uint8Array): string | null {
  return readEnvelope(body).problem;
}

/**
 * The envelope check and the WABA ids the body names (entry[].id, strings or numbers), from one parse: with
 * accounts the signature is checked against the named WABAs' app secret.
 */
export function readEnvelope(body: Uint8Array): { problem: string | null; wabaIds: string[] } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    return { problem: "body is not JSON", wabaIds: [] };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return { problem: "body is not a JSON object", wabaIds: [] };
  const o = v as Record<string, unknown>;
  const wabaIds: string[] = [];
  if (Array.isArray(o.entry))
    for (const e of o.entry) {
      const id = typeof e === "object" && e !== null ? (e as Record<string, unknown>).id : undefined;
      if (typeof id === "string" || typeof id === "number") wabaIds.push(String(id));
    }
  if (o.object !== "whatsapp_business_account")
    return { problem: 'object is not "whatsapp_business_account"', wabaIds };
  if (!Array.isArray(o.entry)) return { problem: "entry is not an array", wabaIds };
  return { problem: null, wabaIds };
}
