import type { IncomingMessage } from "node:http";

type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413 };

/** Reads and parses a JSON body of at most `maxBytes`; larger → 413 (stops reading), not JSON → 400. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return { ok: false, status: 413 };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return { ok: false, status: 413 };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false, status: 400 };
  }
}
