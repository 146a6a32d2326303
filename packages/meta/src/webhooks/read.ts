import { createHash } from "node:crypto";

// Tolerant readers for untrusted webhook JSON: wrong types read as null, never throw.

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj | null {
  return isObj(v) ? v : null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Non-empty string, or a number rendered as one (Meta sends ids both ways); else null. */
export function str(v: unknown): string | null {
  if (typeof v === "string") return v.length > 0 ? v : null;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

export function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function bool(v: unknown): boolean | null {
  return typeof v === "boolean" ? v : null;
}

/** Meta's Unix seconds (string or number) → ms; values already in ms (> 1e12) pass through. */
export function secondsToMs(v: unknown): number | null {
  const n = num(v);
  if (n === null || n <= 0) return null;
  return n > 1e12 ? Math.round(n) : Math.round(n * 1000);
}

/** Stable short digest of a JSON value, for dedup keys of events that carry no id. */
export function digest(v: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(v) ?? "undefined")
    .digest("hex")
    .slice(0, 16);
}

/** Template languages arrive as `en-US` in some webhooks and `en_US` in the API: use `_`. */
export function normalizeLanguage(v: unknown): string | null {
  const s = str(v);
  return s === null ? null : s.replace(/-/g, "_");
}
