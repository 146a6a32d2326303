import { writeAudit, type AuditActor, type Db } from "@wa/db";
import { type Operator, toOperator } from "./accounts.js";
import { digest, newSecret } from "./secrets.js";

const PREFIX = "wat_";

/** A new API token for an operator: the token is returned here once and stored only as its hash. */
export async function createApiToken(
  db: Db,
  operator: Operator,
  name: string,
  actor: AuditActor,
): Promise<{ id: string; token: string }> {
  const token = newSecret(PREFIX);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("api_tokens")
      .values({
        operator_id: operator.id,
        name: name.trim().slice(0, 100) || "token",
        token_hash: digest(token),
        prefix: token.slice(0, PREFIX.length + 6),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: "api_token.created",
      subjectType: "api_token",
      subjectId: String(row.id),
      details: { operator: operator.name, name },
    });
    return { id: String(row.id), token };
  });
}

/** The operator an API token acts for; null when unknown, revoked or the operator is disabled. */
export async function resolveApiToken(db: Db, token: string, now = Date.now()): Promise<Operator | null> {
  if (!token.startsWith(PREFIX)) return null;
  const row = await db
    .updateTable("api_tokens as t")
    .from("operators as o")
    .set({ last_used_at: new Date(now) })
    .whereRef("o.id", "=", "t.operator_id")
    .where("t.token_hash", "=", digest(token))
    .where("t.revoked_at", "is", null)
    .where("o.disabled_at", "is", null)
    .returning(["o.id", "o.name", "o.role"])
    .executeTakeFirst();
  return row ? toOperator(row) : null;
}

export async function revokeApiToken(db: Db, id: string, actor: AuditActor): Promise<boolean> {
  if (!/^\d{1,18}$/.test(id)) return false;
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable("api_tokens")
      .set({ revoked_at: new Date() })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await writeAudit(trx, { actor, action: "api_token.revoked", subjectType: "api_token", subjectId: id });
    return true;
  });
}

export async function listApiTokens(db: Db) {
  return db
    .selectFrom("api_tokens as t")
    .innerJoin("operators as o", "o.id", "t.operator_id")
    .select(["t.id", "t.name", "t.prefix", "t.created_at", "t.last_used_at", "t.revoked_at", "o.name as operator"])
    .orderBy("t.id", "desc")
    .limit(200)
    .execute();
}
