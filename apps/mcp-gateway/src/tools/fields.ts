import { normalizePhone } from "@wa/meta";
import { type ReasonCode, type Refusal, refuse } from "@wa/contract";
import { isBsuid } from "@wa/state";
import { z } from "zod";

// Shared argument fields. Their JSON Schema is what agents see; failures map to a reason code
// (INVALID_PHONE_NUMBER for phone fields, INVALID_ARGUMENT otherwise) in invalidArguments().

const PHONE_FIELDS = new WeakSet<z.ZodType>();
const MAX_PHONE_INPUT = 256; // BSUIDs run up to 256 characters

/** A phone number with country code (→ E.164 digits without "+"), or a BSUID as Meta gives it. */
export function phone(description: string) {
  const field = z
    .string()
    .max(MAX_PHONE_INPUT)
    .describe(
      `${description} Phone number with country code, "+" optional, spaces/dashes allowed (e.g. "+62 811-234-567"), or the customer's business-scoped user id from a webhook (BSUID, e.g. "US.13491208655302741918").`,
    )
    .transform((value, ctx) => {
      const n = normalizePhone(value);
      if (n.ok) return n.digits;
      if (isBsuid(value.trim())) return value.trim();
      ctx.addIssue({ code: "custom", message: n.explanation });
      return z.NEVER;
    });
  PHONE_FIELDS.add(field);
  return field;
}

export const channelArg = z
  .enum(["whatsapp"])
  .default("whatsapp")
  .describe('Messaging channel; only "whatsapp" is active. Omit it.');

export const limit = z.number().int().min(1).max(200).default(50).describe("Page size, 1-200 (default 50).");
export const offset = z.number().int().min(0).default(0).describe("Rows to skip for paging (default 0).");

const MESSAGE_TYPES = ["marketing", "utility", "authentication", "service", "template"] as const;
export const messageType = z
  .enum(MESSAGE_TYPES)
  .describe(
    'What you plan to send: "service" = free-form text inside the 24 h window; "marketing", "utility", "authentication" = a template of that category; "template" = look the category up from template_name.',
  );

export const templateName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[a-z0-9_]+$/, "template names are lowercase letters, digits and underscores")
  .describe("Template name as approved by Meta (lowercase, digits, underscores).");

export const locale = z
  .string()
  .min(2)
  .max(15)
  .regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$/, 'expected a language code such as "en" or "en_US"')
  .describe('Template language code, e.g. "en", "en_US", "es".');

export const variables = z
  .union([z.array(z.string().max(1024)).max(100), z.record(z.string().max(64), z.string().max(1024))])
  .describe(
    'Template placeholder values: an array for {{1}}, {{2}}… ("["Ana", "A-1001"]") or an object for named placeholders ({"first_name": "Ana"}).',
  );

export const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .describe(
    "Optional key making the call safe to repeat: the same key with the same content returns the first message; with different content it is refused (DUPLICATE_REQUEST).",
  );

export const rfc3339 = (description: string) =>
  z.iso
    .datetime({ offset: true, error: "expected an RFC 3339 date-time such as 2030-01-31T09:00:00Z" })
    .describe(description);

const TAG_PATTERN = /^[a-z0-9_-]{1,40}$/;
export const tag = z.string().regex(TAG_PATTERN, "tags are 1-40 chars of lowercase letters, digits, _ or -");

// Postgres refuses NUL in text and jsonb, and an unpaired UTF-16 surrogate in jsonb ("\ud800" escapes).
// With the u flag a paired surrogate is one code point, so the class matches only unpaired halves.
// oxlint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDFFF]/u;
const MAX_WALK_DEPTH = 32; // deeper than any tool's arguments: the strict parse refuses the shape anyway

interface Unstorable {
  path: string;
  char: string; // "U+0000"
  at: number;
}

/**
 * The one edge check for every string of every tool's arguments (values and keys, at any depth), so no field,
 * present or future, can hand Postgres a string it refuses (which would surface as UNAVAILABLE and be retried).
 */
export function unstorableArgument(args: unknown): Unstorable | null {
  const walk = (value: unknown, path: string, depth: number): Unstorable | null => {
    if (typeof value === "string") {
      const m = UNSTORABLE.exec(value);
      if (!m) return null;
      const code = (m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
      return { path: path || "arguments", char: `U+${code}`, at: m.index };
    }
    if (typeof value !== "object" || value === null || depth >= MAX_WALK_DEPTH) return null;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, v] of entries) {
      const here = path ? `${path}.${clip(key, 40)}` : clip(key, 40);
      const inKey = Array.isArray(value) ? null : walk(key, here, depth + 1);
      const found = inKey ?? walk(v, here, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(args, "", 0);
}

export function unstorableDenial(tool: string, bad: Unstorable): Refusal {
  const what = bad.char === "U+0000" ? "a NUL character (U+0000)" : `an unpaired UTF-16 surrogate (${bad.char})`;
  const field = JSON.stringify(bad.path).slice(1, -1); // the path may itself be a key holding the bad character
  return refuse(
    "INVALID_ARGUMENT",
    `Invalid arguments for ${tool}: ${field} contains ${what} at position ${bad.at}, which cannot be stored.`,
    `Remove NUL characters and broken surrogate pairs from ${field} (send well-formed Unicode text) and call ${tool} again.`,
  );
}

// Names and notes people read in a console or the audit log: a line break, a control character or a bidi
// override (U+202E turns "txt.exe" into "exe.txt") would make them lie. Refused, not stripped, so nothing
// changes behind the agent's back.
// oxlint-disable-next-line no-control-regex
const UNREADABLE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** A trimmed single-line text for people to read (campaign names, consent sources, reasons). */
export function readableText(max: number, what: string) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !UNREADABLE.test(s), {
      error: `${what} must be one line of visible text: no line breaks, control characters or bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C)`,
    });
}

const MAX_ISSUES = 5;
const MAX_EXPLANATION = 600;

/** Turns a failed strict parse into the refusal an agent can act on. */
export function invalidArguments(tool: string, shape: z.ZodRawShape, args: unknown, error: z.ZodError): Refusal {
  const given = typeof args === "object" && args !== null ? (args as Record<string, unknown>) : {};
  const isMissing = (issue: z.core.$ZodIssue): boolean =>
    issue.path.length === 1 && given[String(issue.path[0])] === undefined && issue.code !== "unrecognized_keys";
  const issues = error.issues.slice(0, MAX_ISSUES);
  const first = issues[0];
  const field = first && first.path.length > 0 ? shape[String(first.path[0])] : undefined;
  const phoneProblem =
    first !== undefined && field !== undefined && PHONE_FIELDS.has(field as z.ZodType) && !isMissing(first);
  const reason_code: ReasonCode = phoneProblem ? "INVALID_PHONE_NUMBER" : "INVALID_ARGUMENT";
  const text = issues.map((i) => describeIssue(i, isMissing(i))).join("; ");
  return refuse(
    reason_code,
    clip(`Invalid arguments for ${tool}: ${text}.`, MAX_EXPLANATION),
    phoneProblem
      ? 'Pass the number in international form with its country code, e.g. "+6281234567890".'
      : `Fix the named argument(s) and call ${tool} again; the tool's input schema lists every argument and its type.`,
  );
}

function describeIssue(issue: z.core.$ZodIssue, missing: boolean): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "arguments";
  if (missing) return `${where} is required`;
  if (issue.code === "unrecognized_keys")
    return `unknown argument(s) ${issue.keys.map((k) => JSON.stringify(clip(k, 40))).join(", ")}`;
  if (issue.code === "invalid_union") {
    const expected = issue.errors.flatMap((branch) =>
      branch.map((i) => (i.code === "invalid_type" ? i.expected : null)),
    );
    const names = [...new Set(expected.filter((e): e is NonNullable<typeof e> => e !== null))];
    if (names.length) return `${where}: expected ${names.join(" or ")}`;
  }
  return `${where}: ${clip(issue.message, 200)}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
