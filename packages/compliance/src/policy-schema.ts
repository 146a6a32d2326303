import { z } from "zod";
import { PolicyError } from "./policy-error.js";
import { isTimeZone } from "./zoned-time.js";

const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
const HHMM_ERROR = 'expected "HH:MM" from 00:00 to 23:59 (quote it in YAML)';
const HHMM = z.string().regex(HHMM_RE, { error: HHMM_ERROR });
const ZONE = z.string().refine(isTimeZone, { error: "expected an IANA time zone such as Asia/Jakarta" });
const TAG = z.string().regex(/^[a-z0-9_-]{1,40}$/, { error: "tags are 1–40 of a-z, 0-9, _ or -" });
const MESSAGE_TYPE = z.enum(["all", "marketing", "utility", "authentication", "service"]);

// Both ends are required: a quiet period without an end is ambiguous (it used to mean "until midnight", and
// "00:00" alone meant always quiet); "00:00" says "until midnight" explicitly.
const ALLOW_AFTER = z
  .string({ error: 'required: the local time sending reopens, "HH:MM" (write "00:00" for quiet until midnight)' })
  .regex(HHMM_RE, { error: HHMM_ERROR });

const timeRules = z
  .strictObject({
    deny_after: HHMM,
    allow_after: ALLOW_AFTER,
    timezone: z.union([z.literal("recipient"), ZONE]).default("recipient"),
    default_timezone: ZONE.optional(), // for `recipient` when the number's country is unknown
  })
  .refine((r) => r.allow_after !== r.deny_after, {
    error: "allow_after must differ from deny_after",
    path: ["allow_after"],
  });

const segmentRules = z
  .strictObject({ exclude_tag: TAG.optional(), exclude_tags: z.array(TAG).min(1).optional() })
  .refine((r) => r.exclude_tag !== undefined || r.exclude_tags !== undefined, {
    error: "give exclude_tag or exclude_tags",
  });

const frequencyRules = z.strictObject({ max_per_day: z.number().int().min(0).max(1000) });

// A listed domain allows itself and its subdomains ("example.com" allows "cdn.example.com").
const DOMAIN = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
  error: "domains are lower-case host names such as cdn.example.com",
});
const linkDomainRules = z.strictObject({ allowed_domains: z.array(DOMAIN).min(1) });

const NAME = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { error: "names are 1–64 of a-z, 0-9, ., _ or -" });
// Every criterion given must match (AND), beside message_type as category; a list matches when any entry does.
const approvalRules = z.strictObject({
  min_audience: z.number().int().min(1).optional(), // campaigns whose audience estimate is at least this
  customer_tags: z.array(TAG).min(1).optional(), // recipients (or a campaign's include_tags) with any of these
  agents: z.array(NAME).min(1).optional(), // the agent's name ("agent:<name>"; "agent" alone is unnamed)
  tools: z
    .array(z.string().regex(/^[a-z_]{1,64}$/))
    .min(1)
    .optional(),
});

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: "ids are 1–64 of a-z, 0-9, _ or -" }),
  name: z.string().min(1).max(200).optional(),
  channel: z.string().min(1).default("whatsapp"),
  message_type: MESSAGE_TYPE.default("all"),
  enabled: z.boolean().default(true),
  description: z.string().optional(), // documentation only, not stored
};

const policySchema = z.discriminatedUnion("type", [
  z.strictObject({ ...common, type: z.literal("time_restriction"), rules: timeRules }),
  z.strictObject({ ...common, type: z.literal("segment_exclusion"), rules: segmentRules }),
  z.strictObject({ ...common, type: z.literal("media_link_domains"), rules: linkDomainRules }),
  z
    .strictObject({ ...common, type: z.literal("frequency_limit"), rules: frequencyRules })
    .refine((p) => p.message_type === "marketing" || p.message_type === "all", {
      error: "frequency_limit caps marketing messages: message_type must be marketing (or all)",
      path: ["message_type"],
    }),
  z.strictObject({ ...common, type: z.literal("require_approval"), rules: approvalRules.default({}) }),
]);

type Parsed = z.output<typeof policySchema>;
type Defined<T> = T extends unknown ? Omit<T, "name" | "description"> & { name: string } : never;

/** A validated business policy; `rules` keep the file's snake_case names (stored as jsonb as is). */
export type Policy = Defined<Parsed>;
export type TimeRestrictionPolicy = Extract<Policy, { type: "time_restriction" }>;
export type SegmentExclusionPolicy = Extract<Policy, { type: "segment_exclusion" }>;
export type LinkDomainsPolicy = Extract<Policy, { type: "media_link_domains" }>;
export type RequireApprovalPolicy = Extract<Policy, { type: "require_approval" }>;

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(policy)"}: ${i.message}`).join("; ");
}

/** The policy's id, or its position when it has none ("#2"). */
function idOf(raw: unknown, index: number): string {
  const id = typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === "string" && id ? id : `#${index + 1}`;
}

/** Validates one policy (from the file or a `policies` row); throws PolicyError naming it. */
export function parsePolicy(raw: unknown, where: string, index = 0): Policy {
  const result = policySchema.safeParse(raw);
  if (!result.success) {
    const id = idOf(raw, index);
    throw new PolicyError(`${where}: policy "${id}": ${describeIssues(result.error)}`, [id]);
  }
  const { description: _doc, ...p } = result.data;
  return { ...p, name: p.name ?? p.id } as Policy;
}

/** Every policy of a parsed policies document; all problems are reported together. */
export function parsePolicyList(doc: unknown, where: string): Policy[] {
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== "object" || Array.isArray(doc) || !("policies" in doc)) {
    throw new PolicyError(`${where}: expected a top-level "policies:" list`);
  }
  const extra = Object.keys(doc).filter((k) => k !== "policies");
  if (extra.length) throw new PolicyError(`${where}: unknown top-level key(s): ${extra.join(", ")}`);
  const list = (doc as { policies: unknown }).policies ?? [];
  if (!Array.isArray(list)) throw new PolicyError(`${where}: "policies" must be a list`);
  const problems: string[] = [];
  const labels: string[] = [];
  const policies: Policy[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    try {
      const p = parsePolicy(raw, where, i);
      if (seen.has(p.id)) throw new PolicyError(`${where}: policy "${p.id}": duplicate id`, [p.id]);
      seen.add(p.id);
      policies.push(p);
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      problems.push(err.message);
      labels.push(...err.policyIds);
    }
  });
  if (problems.length) throw new PolicyError(problems.join("\n"), labels);
  return policies;
}
