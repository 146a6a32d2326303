import { normalizePhone } from "@wa/meta";
import type { ReasonCode } from "@wa/observability";
import { isBsuid } from "@wa/state";
import { z } from "zod";
import type { Denial } from "./define-tool.js";

// Shared argument fields. Their JSON Schema is what agents see; failures map to a reason code
// (INVALID_PHONE_NUMBER for phone fields, INVALID_ARGUMENT otherwise) in invalidArguments().

const PHONE_FIELDS = new WeakSet<z.ZodType>();
const MAX_PHONE_INPUT = 256; // BSUIDs run up to 256 characters

/** A phone number with country code (→ E.164 digits without "+"), or a BSUID as Meta gives it. */
export function phone(description: string) {
  const field = z
    .string()
    .max(MAX_PHONE_INPUT)
    .describe(`${description} Phone number with country code, "+" optional, spaces/dashes allowed (e.g. "+62 811-234-567").`)
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

export const MESSAGE_TYPES = ["marketing", "utility", "authentication", "service", "template"] as const;
export const messageType = z
  .enum(MESSAGE_TYPES)
  .describe('What you plan to send: "service" = free-form text inside the 24 h window; "marketing", "utility", "authentication" = a template of that category; "template" = look the category up from template_name.');

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
  .describe('Template placeholder values: an array for {{1}}, {{2}}… ("["Ana", "A-1001"]") or an object for named placeholders ({"first_name": "Ana"}).');

export const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .describe("Optional key making the call safe to repeat: the same key with the same content returns the first message; with different content it is refused (DUPLICATE_REQUEST).");

export const uuid = (description: string) => z.uuid({ error: "expected a UUID" }).describe(description);

export const rfc3339 = (description: string) =>
  z.iso.datetime({ offset: true, error: "expected an RFC 3339 date-time such as 2030-01-31T09:00:00Z" }).describe(description);

export const TAG_PATTERN = /^[a-z0-9_-]{1,40}$/;
export const tag = z.string().regex(TAG_PATTERN, "tags are 1-40 chars of lowercase letters, digits, _ or -");

const MAX_ISSUES = 5;
const MAX_EXPLANATION = 600;

/** Turns a failed strict parse into the refusal an agent can act on. */
export function invalidArguments(tool: string, shape: z.ZodRawShape, args: unknown, error: z.ZodError): Denial {
  const given = typeof args === "object" && args !== null ? (args as Record<string, unknown>) : {};
  const isMissing = (issue: z.core.$ZodIssue): boolean =>
    issue.path.length === 1 && given[String(issue.path[0])] === undefined && issue.code !== "unrecognized_keys";
  const issues = error.issues.slice(0, MAX_ISSUES);
  const first = issues[0];
  const field = first && first.path.length > 0 ? shape[String(first.path[0])] : undefined;
  const phoneProblem = first !== undefined && field !== undefined && PHONE_FIELDS.has(field as z.ZodType) && !isMissing(first);
  const reason_code: ReasonCode = phoneProblem ? "INVALID_PHONE_NUMBER" : "INVALID_ARGUMENT";
  const text = issues.map((i) => describeIssue(i, isMissing(i))).join("; ");
  return {
    ok: false,
    reason_code,
    human_explanation: clip(`Invalid arguments for ${tool}: ${text}.`, MAX_EXPLANATION),
    suggested_action: phoneProblem
      ? 'Pass the number in international form with its country code, e.g. "+6281234567890".'
      : `Fix the named argument(s) and call ${tool} again; the tool's input schema lists every argument and its type.`,
  };
}

function describeIssue(issue: z.core.$ZodIssue, missing: boolean): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "arguments";
  if (missing) return `${where} is required`;
  if (issue.code === "unrecognized_keys") return `unknown argument(s) ${issue.keys.map((k) => JSON.stringify(clip(k, 40))).join(", ")}`;
  if (issue.code === "invalid_union") {
    const expected = issue.errors.flatMap((branch) => branch.map((i) => (i.code === "invalid_type" ? i.expected : null)));
    const names = [...new Set(expected.filter((e): e is NonNullable<typeof e> => e !== null))];
    if (names.length) return `${where}: expected ${names.join(" or ")}`;
  }
  return `${where}: ${clip(issue.message, 200)}`;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
