import { createHash, randomBytes } from "node:crypto";
import { writeAudit, type AgentKeyRow, type AuditActor, type Db } from "@wa/db";

const PREFIX = "wak_";
const NAME = /^[a-z0-9][a-z0-9._-]{1,39}$/;
const TOOL = /^[a-z][a-z0-9_]{0,63}$/;
const NUMBER = /^\d{1,30}$/;
const CATEGORIES = ["marketing", "utility", "authentication"] as const;

/** What a key may do; absent or null lists mean "every". */
export interface AgentScopes {
  read_only?: boolean;
  allowed_tools?: string[] | null;
  allowed_numbers?: string[] | null;
  allowed_categories?: string[] | null;
  marketing_daily_limit?: number | null;
  approval_actions?: string[];
  rate_limit_per_sec?: number | null;
}

type CreateResult =
  | { ok: true; id: string; name: string; key: string; prefix: string }
  | { ok: false; reason_code: "INVALID_ARGUMENT"; message: string };

/** sha256 hex: the keys are 256-bit random, so no slow hash is needed (same as console API tokens). */
export function keyDigest(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Whether `key` has the shape of an agent key; anything else is refused before any lookup. */
export function looksLikeAgentKey(key: string): boolean {
  return key.startsWith(PREFIX) && key.length === PREFIX.length + 43 && /^[A-Za-z0-9_-]+$/.test(key.slice(4));
}

/** Creates an agent key; the key is returned here once and stored only as its hash. */
export async function createAgentKey(
  db: Db,
  input: { name: string } & AgentScopes,
  actor: AuditActor,
): Promise<CreateResult> {
  const name = input.name.trim().toLowerCase();
  const problem = scopeProblem(name, input);
  if (problem) return { ok: false, reason_code: "INVALID_ARGUMENT", message: problem };
  const key = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  const prefix = key.slice(0, PREFIX.length + 6);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("agent_keys")
      .values({
        name,
        key_hash: keyDigest(key),
        prefix,
        read_only: input.read_only ?? false,
        allowed_tools: normalized(input.allowed_tools),
        allowed_numbers: normalized(input.allowed_numbers),
        allowed_categories: normalized(input.allowed_categories),
        marketing_daily_limit: input.marketing_daily_limit ?? null,
        approval_actions: normalized(input.approval_actions) ?? [],
        rate_limit_per_sec: input.rate_limit_per_sec ?? null,
        created_by: actor,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: "agent_key.created",
      subjectType: "agent_key",
      subjectId: String(row.id),
      details: { name, prefix, ...scopesOf(input) },
    });
    return { ok: true as const, id: String(row.id), name, key, prefix };
  });
}

export async function revokeAgentKey(db: Db, id: string, actor: AuditActor): Promise<boolean> {
  if (!/^\d{1,18}$/.test(id)) return false;
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable("agent_keys")
      .set({ revoked_at: new Date() })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await writeAudit(trx, { actor, action: "agent_key.revoked", subjectType: "agent_key", subjectId: id });
    return true;
  });
}

/** Every key (newest first), without its hash. */
export async function listAgentKeys(db: Db): Promise<Array<Omit<AgentKeyRow, "key_hash">>> {
  return db
    .selectFrom("agent_keys")
    .select([
      "id",
      "name",
      "prefix",
      "read_only",
      "allowed_tools",
      "allowed_numbers",
      "allowed_categories",
      "marketing_daily_limit",
      "approval_actions",
      "rate_limit_per_sec",
      "created_by",
      "created_at",
      "last_used_at",
      "revoked_at",
    ])
    .orderBy("id", "desc")
    .limit(500)
    .execute();
}

/** The live key with this hash (marking it used), or undefined when unknown or revoked. */
export async function findLiveKey(db: Db, hash: string): Promise<AgentKeyRow | undefined> {
  return db
    .updateTable("agent_keys")
    .set({ last_used_at: new Date() })
    .where("key_hash", "=", hash)
    .where("revoked_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

function scopeProblem(name: string, s: AgentScopes): string | null {
  if (!NAME.test(name))
    return "an agent name is 2-40 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit";
  if (bad(s.allowed_tools, (t) => TOOL.test(t))) return "allowed_tools holds tool names such as send_template";
  if (bad(s.approval_actions, (t) => TOOL.test(t)))
    return "approval_actions holds tool names or categories such as send_template or marketing";
  if (bad(s.allowed_numbers, (n) => NUMBER.test(n))) return "allowed_numbers holds phone_number_ids (digits only)";
  if (bad(s.allowed_categories, (c) => (CATEGORIES as readonly string[]).includes(c)))
    return `allowed_categories holds ${CATEGORIES.join(", ")}`;
  const limit = s.marketing_daily_limit;
  if (limit != null && !(Number.isInteger(limit) && limit >= 0 && limit <= 10_000_000))
    return "marketing_daily_limit is a whole number from 0 to 10000000";
  const rate = s.rate_limit_per_sec;
  if (rate != null && !(Number.isInteger(rate) && rate >= 1 && rate <= 100_000))
    return "rate_limit_per_sec is a whole number from 1 to 100000";
  return null;
}

function bad(list: string[] | null | undefined, ok: (v: string) => boolean): boolean {
  return list != null && (list.length > 200 || !list.every((v) => typeof v === "string" && ok(v.trim())));
}

function normalized(list: string[] | null | undefined): string[] | null {
  return list == null ? null : [...new Set(list.map((v) => v.trim()))];
}

function scopesOf(s: AgentScopes) {
  return {
    read_only: s.read_only ?? false,
    allowed_tools: normalized(s.allowed_tools),
    allowed_numbers: normalized(s.allowed_numbers),
    allowed_categories: normalized(s.allowed_categories),
    marketing_daily_limit: s.marketing_daily_limit ?? null,
    approval_actions: normalized(s.approval_actions) ?? [],
    rate_limit_per_sec: s.rate_limit_per_sec ?? null,
  };
}

/** Every action the agent's live keys say needs approval (a union: keys sharing a name are one agent). */
export async function approvalActionsOf(db: Db, name: string): Promise<string[]> {
  const rows = await db
    .selectFrom("agent_keys")
    .select("approval_actions")
    .where("name", "=", name)
    .where("revoked_at", "is", null)
    .execute();
  return [...new Set(rows.flatMap((r) => r.approval_actions))];
}
