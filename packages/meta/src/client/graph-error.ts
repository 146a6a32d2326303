import type { MetaError, MetaErrorKind } from "../result.js";

/** Replaces every occurrence of the secret; Meta echoes malformed tokens in 190 messages. */
export function redactSecret(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join("[redacted]") : text;
}

function asNumber(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  return null;
}

function asString(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads a Graph error envelope `{ error: {...} }`; null when the body is not one. */
export function graphErrorFrom(body: unknown, httpStatus: number, secret: string): MetaError | null {
  if (!isRecord(body) || !isRecord(body.error)) return null;
  const e = body.error;
  const code = asNumber(e.code);
  if (code === null) return null;
  const message = redactSecret(asString(e.message) ?? `Meta error ${code}`, secret);
  const errorData = isRecord(e.error_data) ? e.error_data : {};
  const details = asString(errorData.details);
  // Titles are slated for removal by Meta: display only, never branch on them.
  const title = asString(e.error_user_title) ?? message.replace(/^\(#\d+\)\s*/, "");
  return {
    kind: "graph",
    code,
    subcode: asNumber(e.error_subcode),
    title: redactSecret(title, secret),
    message,
    details: details === null ? null : redactSecret(details, secret),
    fbtraceId: asString(e.fbtrace_id),
    httpStatus,
    type: asString(e.type),
    isTransient: typeof e.is_transient === "boolean" ? e.is_transient : null,
  };
}

export function syntheticError(
  kind: Exclude<MetaErrorKind, "graph">,
  message: string,
  httpStatus: number | null,
  secret: string,
): MetaError {
  const titles = { network: "Network error", timeout: "Timed out", invalid_response: "Invalid response" } as const;
  return {
    kind,
    code: null,
    subcode: null,
    title: titles[kind],
    message: redactSecret(message, secret),
    details: null,
    fbtraceId: null,
    httpStatus,
    type: null,
    isTransient: null,
  };
}
