import type { Db } from "@wa/db";
import {
  checkAppSecret,
  checkPhoneNumber,
  checkTemplates,
  checkToken,
  checkWaba,
  checkWebhookSubscription,
  type DoctorTarget,
} from "./checks.js";
import type { CheckResult } from "./types.js";

export interface DoctorReport {
  readonly ok: boolean; // no check failed (warnings and skips allowed)
  readonly checks: readonly CheckResult[];
}

/**
 * Every check, read-only, in the order a user fixes them: a bad token fails everything after it, so the rest is
 * skipped with that reason instead of repeating it.
 */
export async function runDoctor(t: DoctorTarget, db: Db | null, now: () => number = Date.now): Promise<DoctorReport> {
  const token = await checkToken(t, Math.floor(now() / 1000));
  const checks: CheckResult[] = [token];
  if (token.status === "fail") {
    for (const name of ["app secret", "phone number", "business account", "webhook subscription", "templates synced"])
      checks.push({ name, status: "skip", detail: "not checked: the access token failed" });
  } else {
    checks.push(
      await checkAppSecret(t),
      await checkPhoneNumber(t),
      await checkWaba(t),
      await checkWebhookSubscription(t),
      await checkTemplates(t, db),
    );
  }
  return { ok: checks.every((c) => c.status !== "fail"), checks };
}
