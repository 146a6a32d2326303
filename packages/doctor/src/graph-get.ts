import { createHmac } from "node:crypto";

export interface GraphTarget {
  readonly baseUrl: string;
  readonly version: string;
  readonly accessToken: string;
  readonly timeoutMs: number;
}

export type GraphAnswer =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; code: number | null; message: string; details: string | null };

/** The token never leaves the Authorization header and input_token; anything Meta echoes is scrubbed of it. */
const scrub = (text: string, secret: string): string => (secret ? text.split(secret).join("<token>") : text);

/** One read-only GET on the Graph API (doctor never POSTs); never throws. */
export async function graphGet(t: GraphTarget, path: string, query: Record<string, string> = {}): Promise<GraphAnswer> {
  const url = new URL(`${t.baseUrl.replace(/\/+$/, "")}/${t.version}/${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${t.accessToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(t.timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return {
      ok: false,
      code: null,
      message: `could not reach ${url.origin}: ${scrub(String(cause), t.accessToken)}`,
      details: null,
    };
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      ok: false,
      code: null,
      message: `HTTP ${res.status} with a non-JSON body from ${url.origin}`,
      details: null,
    };
  }
  const error = (body as { error?: Record<string, unknown> }).error;
  if (!res.ok || error) {
    const code = typeof error?.code === "number" ? error.code : null;
    const message = typeof error?.message === "string" ? error.message : `HTTP ${res.status}`;
    const data = error?.error_data as { details?: unknown } | undefined;
    const details = typeof data?.details === "string" ? scrub(data.details, t.accessToken) : null;
    return { ok: false, code, message: scrub(message, t.accessToken), details };
  }
  return { ok: true, body: body as Record<string, unknown> };
}

/** Graph's appsecret_proof: HMAC-SHA256 of the access token keyed with the app secret, lowercase hex. */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac("sha256", appSecret).update(accessToken).digest("hex");
}
