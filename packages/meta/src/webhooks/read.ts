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

/** Stable short digest of a JSON value, for dedup keys of events that carry no id. Any depth: never throws. */
export function digest(v: unknown): string {
  return createHash("sha256")
    .update(jsonText(v) ?? "undefined")
    .digest("hex")
    .slice(0, 16);
}

/**
 * JSON.stringify of a parsed JSON value; a value nested too deep for its recursion (a hostile body: thousands of
 * levels) is written by an explicit stack instead, with the same text.
 */
function jsonText(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return deepJsonText(v);
  }
}

type Step = { readonly text: string } | { readonly value: unknown };

function deepJsonText(root: unknown): string {
  const out: string[] = [];
  const todo: Step[] = [{ value: root }];
  while (todo.length > 0) {
    const step = todo.pop()!;
    if ("text" in step) {
      out.push(step.text);
      continue;
    }
    const v = step.value;
    if (Array.isArray(v)) {
      const parts: Step[] = [{ text: "[" }];
      v.forEach((x, i) => parts.push(...(i > 0 ? [{ text: "," }] : []), { value: x === undefined ? null : x }));
      parts.push({ text: "]" });
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
    } else if (typeof v === "object" && v !== null) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      const parts: Step[] = [{ text: "{" }];
      entries.forEach(([k, x], i) => parts.push({ text: `${i > 0 ? "," : ""}${JSON.stringify(k)}:` }, { value: x }));
      parts.push({ text: "}" });
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
    } else {
      out.push(JSON.stringify(v) ?? "null");
    }
  }
  return out.join("");
}

/** Template languages arrive as `en-US` in some webhooks and `en_US` in the API: use `_`. */
export function normalizeLanguage(v: unknown): string | null {
  const s = str(v);
  return s === null ? null : s.replace(/-/g, "_");
}
