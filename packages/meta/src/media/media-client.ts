import { z } from "zod";
import { graphErrorFrom, redactSecret, syntheticError } from "../client/graph-error.js";
import type { MetaError, MetaResult } from "../result.js";

export interface MediaClientConfig {
  baseUrl: string;
  version: string;
  accessToken: string;
  phoneNumberId: string;
  timeoutMs?: number; // per JSON call, default 10 000; downloads and uploads get 6× that
  fetch?: typeof fetch;
}

/** GET /{media-id}: where to download it (valid about 5 minutes, and only with the token). */
interface MediaInfo {
  id: string;
  url: string;
  mimeType: string;
  sha256: string | null;
  fileSize: number | null;
}

export interface MediaClient {
  upload(input: { bytes: Uint8Array; mimeType: string; filename: string }): Promise<MetaResult<{ id: string }>>;
  info(mediaId: string): Promise<MetaResult<MediaInfo>>;
  /** Downloads a media URL from `info` with the bearer token; more than `maxBytes` is a failure, not a truncation. */
  download(url: string, maxBytes: number): Promise<MetaResult<Uint8Array>>;
}

const uploaded = z.object({ id: z.string().min(1) });
const infoSchema = z.object({
  id: z.string().min(1),
  url: z.string().url(),
  mime_type: z.string(),
  sha256: z.string().nullish(),
  file_size: z.union([z.number(), z.string()]).nullish(),
});

/** Graph's media endpoints. The token goes in the Authorization header only and never into a result. */
export function createMediaClient(config: MediaClientConfig): MediaClient {
  const secret = config.accessToken;
  const doFetch = config.fetch ?? globalThis.fetch;
  const timeoutMs = config.timeoutMs ?? 10_000;
  const base = `${config.baseUrl.replace(/\/+$/, "")}/v${config.version.replace(/^v/i, "")}`;
  const auth = { authorization: `Bearer ${secret}` };

  async function roundTrip(label: string, url: string, init: RequestInit, ms: number) {
    const timeout = AbortSignal.timeout(ms);
    try {
      const res = await doFetch(url, { ...init, signal: timeout });
      return { ok: true as const, res };
    } catch (err) {
      const why = timeout.aborted ? `no answer within ${ms} ms` : err instanceof Error ? err.message : String(err);
      const kind = timeout.aborted ? "timeout" : "network";
      return {
        ok: false as const,
        error: syntheticError(kind, `Could not reach Meta for ${label}: ${why}`, null, secret),
      };
    }
  }

  async function jsonOf<T>(label: string, res: Response, schema: z.ZodType<T>): Promise<MetaResult<T>> {
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return failed(
        invalid(
          `Meta answered ${label} with HTTP ${res.status} and a non-JSON body: ${text.slice(0, 120)}`,
          res.status,
        ),
      );
    }
    const graph = graphErrorFrom(body, res.status, secret);
    if (graph) return failed(graph);
    const parsed = schema.safeParse(body);
    if (!res.ok || !parsed.success)
      return failed(invalid(`Meta answered ${label} with HTTP ${res.status} and an unexpected body`, res.status));
    return { ok: true, value: parsed.data };
  }

  const invalid = (message: string, status: number | null): MetaError =>
    syntheticError("invalid_response", redactSecret(message, secret), status, secret);

  return {
    async upload({ bytes, mimeType, filename }) {
      const label = `POST /${config.phoneNumberId}/media`;
      const form = new FormData();
      form.set("messaging_product", "whatsapp");
      form.set("type", mimeType);
      form.set("file", new Blob([bytes], { type: mimeType }), filename);
      const url = `${base}/${encodeURIComponent(config.phoneNumberId)}/media`;
      const r = await roundTrip(label, url, { method: "POST", headers: auth, body: form }, timeoutMs * 6);
      return r.ok ? jsonOf(label, r.res, uploaded) : failed(r.error);
    },
    async info(mediaId) {
      const label = `GET /${mediaId}`;
      const url = `${base}/${encodeURIComponent(mediaId)}?phone_number_id=${encodeURIComponent(config.phoneNumberId)}`;
      const r = await roundTrip(label, url, { headers: { ...auth, accept: "application/json" } }, timeoutMs);
      if (!r.ok) return failed(r.error);
      const res = await jsonOf(label, r.res, infoSchema);
      if (!res.ok) return res;
      const v = res.value;
      const size = v.file_size === null || v.file_size === undefined ? null : Number(v.file_size);
      return {
        ok: true,
        value: {
          id: v.id,
          url: v.url,
          mimeType: v.mime_type,
          sha256: v.sha256 ?? null,
          fileSize: Number.isFinite(size) ? size : null,
        },
      };
    },
    async download(url, maxBytes) {
      const label = "media download";
      // The token goes only to https hosts (Meta's CDN) or to the configured Graph origin (mock-meta in dev).
      const target = URL.canParse(url) ? new URL(url) : null;
      if (target === null || (target.protocol !== "https:" && target.origin !== new URL(base).origin))
        return failed(
          invalid(`Meta gave a media URL the token may not be sent to (${target?.origin ?? "unparsable"})`, null),
        );
      const r = await roundTrip(label, url, { headers: auth }, timeoutMs * 6);
      if (!r.ok) return failed(r.error);
      const res = r.res;
      if (!res.ok || (res.headers.get("content-type") ?? "").startsWith("application/json")) {
        return jsonOf(label, res, z.never());
      }
      const declared = Number(res.headers.get("content-length") ?? "NaN");
      if (declared > maxBytes) {
        await res.body?.cancel();
        return failed(invalid(`the media is ${declared} bytes, above the ${maxBytes} allowed`, res.status));
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of res.body ?? []) {
        total += chunk.byteLength;
        if (total > maxBytes) return failed(invalid(`the media is above the ${maxBytes} bytes allowed`, res.status));
        chunks.push(chunk);
      }
      return { ok: true, value: Buffer.concat(chunks) };
    },
  };
}

function failed(error: MetaError): { ok: false; error: MetaError } {
  return { ok: false, error };
}
