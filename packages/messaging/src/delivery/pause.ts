import { writeAudit, type AuditActor, type Db, type SendingPauseRow } from "@wa/db";
import { explainMetaFailure, type MetaError } from "@wa/meta";
import { sql } from "kysely";

/** The reason code agents see while a number's sending is stopped by an account-level error. */
const SENDING_PAUSED = "SENDING_PAUSED";

/** What agents are told while a number cannot send: the cause, and that queued messages wait. */
export interface SendingPause {
  readonly reason_code: typeof SENDING_PAUSED;
  readonly phone_number_id: string;
  readonly error_code: number | null;
  readonly error_title: string | null;
  readonly human_explanation: string;
  readonly paused_at: string;
}

/**
 * Errors that concern the whole number, not this message (meta-api.md §9: invalid token, restricted or locked
 * account, disabled or deleted number, payment): every queued message would fail the same way, so sending stops.
 */
export function isAccountLevel(err: MetaError): boolean {
  if (err.code === null) return false;
  const c = explainMetaFailure(err).category;
  return c === "auth" || c === "account";
}

function toPause(r: SendingPauseRow): SendingPause {
  return {
    reason_code: SENDING_PAUSED,
    phone_number_id: r.phone_number_id,
    error_code: r.error_code,
    error_title: r.error_title,
    human_explanation: r.explanation,
    paused_at: new Date(r.paused_at).toISOString(),
  };
}

/** The number's pause, or null when it may send. */
export async function sendingPause(db: Db, phoneNumberId: string): Promise<SendingPause | null> {
  const r = await db
    .selectFrom("sending_pauses")
    .selectAll()
    .where("phone_number_id", "=", phoneNumberId)
    .executeTakeFirst();
  return r ? toPause(r) : null;
}

/** Every paused number (get_account_quality, the reconciler). */
export async function listSendingPauses(db: Db): Promise<SendingPause[]> {
  return (await db.selectFrom("sending_pauses").selectAll().orderBy("paused_at").execute()).map(toPause);
}

/** Stops the number's sending (first error wins; later ones change nothing). True when this call paused it. */
export async function pauseSending(
  db: Db,
  phoneNumberId: string,
  err: MetaError,
  probeAfterMs: number,
): Promise<boolean> {
  const x = explainMetaFailure(err);
  const explanation =
    `Sending from this number is paused: Meta answered ${err.code ?? err.kind} (${x.title}). ${x.human_explanation} ` +
    `Queued messages wait and nothing is failed; sending resumes by itself once a probe call to Meta succeeds, or when an operator resumes it. ${x.suggested_action}`;
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto("sending_pauses")
      .values({
        phone_number_id: phoneNumberId,
        reason_code: SENDING_PAUSED,
        error_code: err.code,
        error_title: err.title || x.title,
        explanation,
        probe_at: sql`now() + ${`${Math.max(0, probeAfterMs)} milliseconds`}::interval`,
      })
      .onConflict((oc) => oc.column("phone_number_id").doNothing())
      .returning("phone_number_id")
      .executeTakeFirst();
    if (!r) return false;
    await writeAudit(trx, {
      actor: "system",
      action: "sending.paused",
      subjectType: "phone_number",
      subjectId: phoneNumberId,
      details: { reason_code: SENDING_PAUSED, code: err.code, title: err.title || x.title, explanation },
    });
    return true;
  });
}

/**
 * Sending resumes (a probe succeeded, or an operator says the cause is fixed): the pause goes, audited with who
 * and why. Queued messages then go out (workers stop holding; the reconciler republishes the rest).
 */
export async function resumeSending(
  db: Db,
  phoneNumberId: string,
  by: { actor: AuditActor; reason: string },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .deleteFrom("sending_pauses")
      .where("phone_number_id", "=", phoneNumberId)
      .returningAll()
      .executeTakeFirst();
    if (!r) return false;
    await writeAudit(trx, {
      actor: by.actor,
      action: "sending.resumed",
      subjectType: "phone_number",
      subjectId: phoneNumberId,
      details: { reason: by.reason, paused_code: r.error_code, paused_at: new Date(r.paused_at).toISOString() },
    });
    return true;
  });
}

/** One replica probes at a time: whoever moves probe_at on gets to call Meta. */
export async function claimProbe(db: Db, phoneNumberId: string, everyMs: number): Promise<boolean> {
  const r = await db
    .updateTable("sending_pauses")
    .set({ probe_at: sql`now() + ${`${Math.max(0, everyMs)} milliseconds`}::interval`, probes: sql`probes + 1` })
    .where("phone_number_id", "=", phoneNumberId)
    .where("probe_at", "<=", sql<Date>`now()`)
    .returning("phone_number_id")
    .executeTakeFirst();
  return r !== undefined;
}
