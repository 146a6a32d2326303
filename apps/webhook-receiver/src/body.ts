/** Reads a request body up to `limit` bytes; null when it is larger (the rest is not read). */
export async function readLimited(req: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!req.body) return new Uint8Array(0);
  // A declared length within the limit: read it in one go (much cheaper than pulling chunks through a
  // web stream); a body longer than it declared is refused as well.
  if (Number.isFinite(declared)) {
    const all = new Uint8Array(await req.arrayBuffer());
    return all.byteLength > limit ? null : all;
  }
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A shallow envelope check: the processor parses the rest (parseWebhook never refuses inside an envelope). */
export function envelopeProblem(body: Uint8Array): string | null {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    return "body is not JSON";
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "body is not a JSON object";
  const o = v as Record<string, unknown>;
  if (o.object !== "whatsapp_business_account") return 'object is not "whatsapp_business_account"';
  if (!Array.isArray(o.entry)) return "entry is not an array";
  return null;
}
