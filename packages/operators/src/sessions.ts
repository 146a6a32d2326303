import type { Db } from "@wa/db";
import { type Operator, toOperator } from "./accounts.js";
import { digest, newSecret } from "./secrets.js";

export interface Session {
  readonly operator: Operator;
  readonly csrfToken: string;
}

/** A new server-side session; the returned token goes in the cookie and is stored only as its hash. */
export async function createSession(
  db: Db,
  operatorId: string,
  ttlMs: number,
  now = Date.now(),
): Promise<{ token: string; csrfToken: string }> {
  const token = newSecret("wacs_");
  const csrfToken = newSecret("");
  await db
    .insertInto("operator_sessions")
    .values({
      id_hash: digest(token),
      operator_id: operatorId,
      csrf_token: csrfToken,
      expires_at: new Date(now + ttlMs),
    })
    .execute();
  return { token, csrfToken };
}

/** The live session of a cookie value, its expiry slid forward; null when unknown, expired or disabled. */
export async function resolveSession(db: Db, token: string, ttlMs: number, now = Date.now()): Promise<Session | null> {
  const row = await db
    .updateTable("operator_sessions as s")
    .from("operators as o")
    .set({ last_seen_at: new Date(now), expires_at: new Date(now + ttlMs) })
    .whereRef("o.id", "=", "s.operator_id")
    .where("s.id_hash", "=", digest(token))
    .where("s.expires_at", ">", new Date(now))
    .where("o.disabled_at", "is", null)
    .returning(["o.id", "o.name", "o.role", "s.csrf_token"])
    .executeTakeFirst();
  return row ? { operator: toOperator(row), csrfToken: row.csrf_token } : null;
}

export async function destroySession(db: Db, token: string): Promise<void> {
  await db.deleteFrom("operator_sessions").where("id_hash", "=", digest(token)).execute();
}

export async function pruneSessions(db: Db, now = Date.now()): Promise<number> {
  const r = await db.deleteFrom("operator_sessions").where("expires_at", "<", new Date(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
