import { type Executor, writeAudit } from "@wa/db";
import type { WebhookEvent } from "@wa/meta";

/** Containers deeper than this are replaced: Meta's bodies stay under ~12 levels; jsonb gives up near 10,000. */
const MAX_JSON_DEPTH = 32;
const TOO_DEEP = `[removed: nested deeper than ${MAX_JSON_DEPTH} levels]`;
const MAX_NOTES = 20; // changed paths kept per container

export interface Sanitized {
  readonly value: unknown;
  /** Paths (relative to `node`) of the values changed below a container of `value`; [] when none. */
  notesOf(node: unknown): readonly string[];
}

// A surrogate half without its partner (code units, hence no `u` flag).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Postgres text and jsonb refuse NUL and lone surrogates: both become U+FFFD, the replacement character. */
function storable(s: string): string | null {
  LONE_SURROGATE.lastIndex = 0;
  if (!s.includes("\u0000") && !LONE_SURROGATE.test(s)) return null;
  return s.replace(LONE_SURROGATE, "\uFFFD").replaceAll("\u0000", "\uFFFD");
}

type Link = { readonly node: object; readonly key: string; readonly up: Link | null };
type Work = {
  readonly src: unknown;
  readonly depth: number;
  readonly key: string;
  readonly up: Link | null;
  put(v: unknown): void;
};

/**
 * A copy of a parsed JSON value that Postgres can store: strings and keys without NUL or lone surrogates,
 * containers no deeper than MAX_JSON_DEPTH. Iterative, so any depth is safe. Every change is noted on each
 * enclosing container (its path from there), so the row an event becomes can say what was changed.
 */
function sanitizeJson(root: unknown): Sanitized {
  const notes = new WeakMap<object, string[]>();
  const note = (leafKey: string, up: Link | null): void => {
    let path = leafKey;
    for (let l = up; l; l = l.up) {
      const list = notes.get(l.node) ?? [];
      if (list.length < MAX_NOTES) list.push(path || "(itself)");
      notes.set(l.node, list);
      path = path ? `${l.key}${l.key ? "." : ""}${path}` : l.key;
    }
  };
  let out: unknown;
  const todo: Work[] = [{ src: root, depth: 0, key: "", up: null, put: (v) => void (out = v) }];
  while (todo.length > 0) {
    const w = todo.pop()!;
    const { src } = w;
    if (typeof src === "string") {
      const fixed = storable(src);
      if (fixed !== null) note(w.key, w.up);
      w.put(fixed ?? src);
    } else if (typeof src !== "object" || src === null) {
      w.put(src);
    } else if (w.depth >= MAX_JSON_DEPTH) {
      note(w.key, w.up);
      w.put(TOO_DEEP);
    } else if (Array.isArray(src)) {
      const copy: unknown[] = src.map(() => null);
      w.put(copy);
      const link: Link = { node: copy, key: w.key, up: w.up };
      src.forEach((x, i) =>
        todo.push({ src: x, depth: w.depth + 1, key: String(i), up: link, put: (v) => void (copy[i] = v) }),
      );
    } else {
      const copy: Record<string, unknown> = {};
      w.put(copy);
      const link: Link = { node: copy, key: w.key, up: w.up };
      for (const [k, x] of Object.entries(src)) {
        const key = storable(k);
        if (key !== null) note(k === "" ? "(key)" : key, link);
        const name = key ?? k;
        todo.push({ src: x, depth: w.depth + 1, key: name, up: link, put: (v) => void (copy[name] = v) });
      }
    }
  }
  return { value: out, notesOf: (node) => (typeof node === "object" && node !== null ? (notes.get(node) ?? []) : []) };
}

const RISKY_ESCAPE = /\\u(?:0000|d[89a-f])/i; // NUL or a surrogate half: only escapes can carry them in valid JSON

/** Deepest bracket nesting of JSON text, outside strings. */
function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

const NO_NOTES = (): readonly string[] => [];

/** JSON text → a value Postgres can store; the copy is made only when the text needs it (hostile or odd bodies). */
export function readJsonBody(text: string): ({ ok: true } & Sanitized) | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `body is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!RISKY_ESCAPE.test(text) && depthOf(text) <= MAX_JSON_DEPTH)
    return { ok: true, value: parsed, notesOf: NO_NOTES };
  return { ok: true, ...sanitizeJson(parsed) };
}

/** A value Postgres could not store was replaced: said next to the change, in the same transaction. */
export async function noteSanitized(
  tx: Executor,
  ev: WebhookEvent,
  key: string,
  paths: readonly string[],
): Promise<void> {
  await writeAudit(tx, {
    actor: "webhook",
    action: "webhook.sanitized",
    subjectType: "webhook_event",
    subjectId: key,
    details: {
      kind: ev.kind,
      paths,
      why: "NUL, a lone surrogate or hostile nesting replaced so Postgres can store it",
    },
  });
}
