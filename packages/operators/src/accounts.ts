import { writeAudit, type AuditActor, type Db, type OperatorRole, type OperatorRow } from "@wa/db";
import { hashPassword, passwordProblem, verifyPassword } from "./passwords.js";
import { NAME_PATTERN } from "./roles.js";

export interface Operator {
  readonly id: string;
  readonly name: string;
  readonly role: OperatorRole;
}

export type AccountResult =
  | { ok: true; operator: Operator }
  | { ok: false; reason_code: "INVALID_ARGUMENT" | "ALREADY_EXISTS"; message: string };

export const toOperator = (r: Pick<OperatorRow, "id" | "name" | "role">): Operator => ({
  id: String(r.id),
  name: r.name,
  role: r.role,
});

export async function createOperator(
  db: Db,
  input: { name: string; role: OperatorRole; password: string },
  actor: AuditActor,
): Promise<AccountResult> {
  const name = input.name.trim().toLowerCase();
  if (!NAME_PATTERN.test(name)) {
    return {
      ok: false,
      reason_code: "INVALID_ARGUMENT",
      message: "a name is 2-40 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
    };
  }
  const problem = passwordProblem(input.password);
  if (problem) return { ok: false, reason_code: "INVALID_ARGUMENT", message: problem };
  const password_hash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("operators")
      .values({ name, role: input.role, password_hash })
      .onConflict((oc) => oc.column("name").doNothing())
      .returning(["id", "name", "role"])
      .executeTakeFirst();
    if (!row)
      return {
        ok: false as const,
        reason_code: "ALREADY_EXISTS" as const,
        message: `an operator named ${name} exists already`,
      };
    await writeAudit(trx, {
      actor,
      action: "operator.created",
      subjectType: "operator",
      subjectId: name,
      details: { role: input.role },
    });
    return { ok: true as const, operator: toOperator(row) };
  });
}

export async function listOperators(db: Db) {
  return db
    .selectFrom("operators")
    .select(["id", "name", "role", "disabled_at", "created_at"])
    .orderBy("name")
    .execute();
}

export async function countOperators(db: Db): Promise<number> {
  const r = await db
    .selectFrom("operators")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Changes one's own password after checking the current one; every session of the account ends (log in again). */
export async function changePassword(
  db: Db,
  operator: Operator,
  current: string,
  next: string,
  actor: AuditActor,
): Promise<AccountResult> {
  const row = await db.selectFrom("operators").select("password_hash").where("id", "=", operator.id).executeTakeFirst();
  if (!row || !(await verifyPassword(current, row.password_hash)))
    return { ok: false, reason_code: "INVALID_ARGUMENT", message: "The current password is wrong." };
  const problem = passwordProblem(next);
  if (problem) return { ok: false, reason_code: "INVALID_ARGUMENT", message: problem };
  const password_hash = await hashPassword(next);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("operators")
      .set({ password_hash, updated_at: new Date() })
      .where("id", "=", operator.id)
      .execute();
    await trx.deleteFrom("operator_sessions").where("operator_id", "=", operator.id).execute();
    await writeAudit(trx, {
      actor,
      action: "operator.password_changed",
      subjectType: "operator",
      subjectId: operator.name,
    });
  });
  return { ok: true, operator };
}
