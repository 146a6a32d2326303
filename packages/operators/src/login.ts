import type { Db } from "@wa/db";
import { toOperator, type Operator } from "./accounts.js";
import { DECOY_HASH, verifyPassword } from "./passwords.js";
import { createSession } from "./sessions.js";

export interface LoginPolicy {
  readonly sessionTtlMs: number;
  readonly maxFailures: number; // within WINDOW_MS, per name or per address
  readonly lockMs: number; // first pause; doubles per further failure
}

export type LoginResult =
  | { ok: true; operator: Operator; token: string; csrfToken: string }
  | { ok: false; reason_code: "INVALID_CREDENTIALS"; message: string }
  | { ok: false; reason_code: "RATE_LIMITED"; message: string; retryAfterSecs: number };

const WINDOW_MS = 15 * 60_000;
const MAX_LOCK_MS = 15 * 60_000;

/**
 * How long logins for this name or from this address must wait: after maxFailures wrong passwords for a name
 * (4× that from one address) within 15 minutes, lockMs × 2^(extra failures) from the last failure (at most
 * 15 min). A success resets the name.
 */
export async function throttleWait(
  db: Db,
  policy: LoginPolicy,
  name: string,
  ip: string,
  now: number,
): Promise<number> {
  const since = new Date(now - WINDOW_MS);
  const failuresOf = async (column: "name" | "ip", value: string) => {
    const rows = await db
      .selectFrom("login_attempts")
      .select(["ok", "attempted_at"])
      .where(column, "=", value)
      .where("attempted_at", ">", since)
      .orderBy("attempted_at", "desc")
      .limit(200)
      .execute();
    const failures = [];
    for (const r of rows) {
      if (r.ok && column === "name") break;
      if (!r.ok) failures.push(r.attempted_at.getTime());
    }
    return failures;
  };
  let wait = 0;
  // An address gets 4× the allowance of a name: several people may share one (an office, a proxy).
  const checks = [
    { failures: await failuresOf("name", name), allowed: policy.maxFailures },
    { failures: await failuresOf("ip", ip), allowed: policy.maxFailures * 4 },
  ];
  for (const { failures, allowed } of checks) {
    const extra = failures.length - allowed;
    if (extra < 0) continue;
    const lock = Math.min(MAX_LOCK_MS, policy.lockMs * 2 ** Math.min(extra, 20));
    wait = Math.max(wait, failures[0]! + lock - now);
  }
  return Math.max(0, wait);
}

/** Checks the throttle, then the password (constant work for unknown names), records the attempt. */
export async function login(
  db: Db,
  policy: LoginPolicy,
  input: { name: string; password: string; ip: string },
  now = Date.now(),
): Promise<LoginResult> {
  const name = input.name.trim().toLowerCase().slice(0, 100);
  const wait = await throttleWait(db, policy, name, input.ip, now);
  if (wait > 0) {
    const secs = Math.ceil(wait / 1000);
    return {
      ok: false,
      reason_code: "RATE_LIMITED",
      message: `Too many wrong passwords. Try again in ${secs} s.`,
      retryAfterSecs: secs,
    };
  }
  const row = await db
    .selectFrom("operators")
    .select(["id", "name", "role", "password_hash", "disabled_at"])
    .where("name", "=", name)
    .executeTakeFirst();
  const good = await verifyPassword(input.password, row?.password_hash ?? DECOY_HASH);
  const ok = good && row !== undefined && row.disabled_at === null;
  await db
    .insertInto("login_attempts")
    .values({ name, ip: input.ip.slice(0, 100), ok })
    .execute();
  if (!ok || !row) return { ok: false, reason_code: "INVALID_CREDENTIALS", message: "Wrong name or password." };
  const s = await createSession(db, String(row.id), policy.sessionTtlMs, now);
  return { ok: true, operator: toOperator(row), token: s.token, csrfToken: s.csrfToken };
}
