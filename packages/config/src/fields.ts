import { z } from "zod";

// Field builders: each one carries its error wording and description, so every app schema
// reads the same and the loader can print `NAME: problem` lines without knowing the field.

type Range = { min?: number; max?: number };

function rangeText(kind: string, { min, max }: Range): string {
  if (min !== undefined && max !== undefined) return `expected ${kind} from ${min} to ${max}`;
  if (min !== undefined) return `expected ${kind} >= ${min}`;
  return `expected ${kind}`;
}

export function int(description: string, fallback: number, range: Range = {}) {
  const error = rangeText("an integer", range);
  let schema = z.coerce.number({ error }).int({ error });
  if (range.min !== undefined) schema = schema.min(range.min, { error });
  if (range.max !== undefined) schema = schema.max(range.max, { error });
  return schema.default(fallback).describe(description);
}

export function num(description: string, fallback: number, range: Range = {}) {
  const error = rangeText("a number", range);
  let schema = z.coerce.number({ error });
  if (range.min !== undefined) schema = schema.min(range.min, { error });
  if (range.max !== undefined) schema = schema.max(range.max, { error });
  return schema.default(fallback).describe(description);
}

export function port(description: string, fallback: number) {
  return int(description, fallback, { min: 0, max: 65_535 });
}

export function flag(description: string, fallback: boolean) {
  return z.stringbool({ error: "expected true or false" }).default(fallback).describe(description);
}

export function choice<const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
  description: string,
) {
  return z
    .enum(values, { error: `expected one of ${values.join(", ")}` })
    .default(fallback)
    .describe(description);
}

export function text(description: string, fallback: string, pattern?: { regex: RegExp; expected: string }) {
  const base = z.string({ error: "expected a string" });
  const schema = pattern ? base.regex(pattern.regex, { error: pattern.expected }) : base;
  return schema.default(fallback).describe(description);
}

export function required(description: string, pattern?: { regex: RegExp; expected: string }) {
  const base = z.string({ error: "required" });
  return (pattern ? base.regex(pattern.regex, { error: pattern.expected }) : base).describe(description);
}

export function url(description: string, protocols: readonly string[], fallback: string) {
  return urlSchema(protocols).default(fallback).describe(description);
}

export function optionalUrl(description: string, protocols: readonly string[]) {
  return urlSchema(protocols).optional().describe(description);
}

function urlSchema(protocols: readonly string[]) {
  const error = `expected a URL starting with ${protocols.map((p) => `${p}://`).join(" or ")}`;
  return z.url({ protocol: new RegExp(`^(${protocols.join("|")})$`), error });
}

/** A comma-separated list: entries trimmed, empty ones dropped, duplicates removed. */
export function list(description: string, fallback: readonly string[], opts: { upper?: boolean } = {}) {
  return z
    .string({ error: "expected a comma-separated list" })
    .transform((raw) => splitList(raw, opts.upper ?? false))
    .default(() => [...fallback])
    .describe(description);
}

function splitList(raw: string, upper: boolean): string[] {
  const items = raw.split(",").map((s) => (upper ? s.trim().toUpperCase() : s.trim()));
  return [...new Set(items.filter((s) => s.length > 0))];
}

export function isTimeZone(zone: string): boolean {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone !== "";
  } catch {
    return false;
  }
}
