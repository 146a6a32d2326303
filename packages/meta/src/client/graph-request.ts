import type { z } from "zod";
import type { MetaError, MetaResult } from "../result.js";
import { graphErrorFrom, redactSecret, syntheticError } from "./graph-error.js";
import type { HttpTransport } from "./http-transport.js";

interface GraphRequest {
  method: "GET" | "POST";
  path: string[]; // segments after the version, each URL-encoded here
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export type GraphCall = <T>(req: GraphRequest, schema: z.ZodType<T>) => Promise<MetaResult<T>>;

interface GraphSettings {
  baseUrl: string;
  version: string;
  accessToken: string;
  timeoutMs: number;
  transport: HttpTransport;
}

function buildUrl(s: GraphSettings, req: GraphRequest): string {
  const base = s.baseUrl.replace(/\/+$/, "");
  const version = `v${s.version.replace(/^v/i, "")}`;
  const url = new URL(`${base}/${version}/${req.path.map(encodeURIComponent).join("/")}`);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

// fetch wraps the fault in a TypeError with a cause; undici's request() throws it as is.
function causeText(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  if (typeof code === "string") return code;
  if (cause && typeof cause.message === "string") return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** One HTTP round trip to the Graph API. Never throws, never retries; the token stays in the header. */
export function createGraphCall(s: GraphSettings): GraphCall {
  const secret = s.accessToken;
  return async <T>(req: GraphRequest, schema: z.ZodType<T>): Promise<MetaResult<T>> => {
    const label = `${req.method} /${req.path.join("/")}`;
    const timeout = AbortSignal.timeout(s.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let status: number | null = null;
    let text: string;
    try {
      const res = await s.transport(buildUrl(s, req), {
        method: req.method,
        headers: {
          authorization: `Bearer ${s.accessToken}`,
          accept: "application/json",
          ...(req.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal,
      });
      status = res.status;
      text = res.text;
    } catch (err) {
      if (timeout.aborted) {
        return fail(syntheticError("timeout", `Meta did not answer ${label} within ${s.timeoutMs} ms`, status, secret));
      }
      const why = req.signal?.aborted ? "request aborted by caller" : causeText(err);
      return fail(syntheticError("network", `Could not reach Meta for ${label}: ${why}`, status, secret));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const snippet = redactSecret(text.slice(0, 120), secret);
      return fail(
        syntheticError(
          "invalid_response",
          `Meta answered ${label} with HTTP ${status} and a non-JSON body: ${snippet}`,
          status,
          secret,
        ),
      );
    }
    const graphError = graphErrorFrom(json, status, secret);
    if (graphError) return fail(graphError);
    if (status < 200 || status > 299) {
      return fail(
        syntheticError(
          "invalid_response",
          `Meta answered ${label} with HTTP ${status} and no error envelope`,
          status,
          secret,
        ),
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "unexpected shape";
      return fail(
        syntheticError("invalid_response", `Meta answered ${label} with an unexpected body (${where})`, status, secret),
      );
    }
    return { ok: true, value: parsed.data };
  };
}

function fail(error: MetaError): { ok: false; error: MetaError } {
  return { ok: false, error };
}
