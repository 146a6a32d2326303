import { writeAudit, type AuditActor, type Db, type Executor } from "@wa/db";
import { claimEvent } from "./ledger.js";
import type { ProcessReport } from "./types.js";

export interface DeadLetterDeps {
  readonly db: Db;
  /** The webhook processor's normal pass over one signed body. */
  readonly processBody: (body: Buffer) => Promise<ProcessReport>;
}

export type DeadLetterOutcome =
  | { ok: true; id: string; event_key: string }
  | {
      ok: false;
      reason_code: "NOT_FOUND" | "INVALID_ARGUMENT" | "WEBHOOK_STILL_FAILING";
      human_explanation: string;
      suggested_action: string;
    };

const notFound = (id: string): DeadLetterOutcome => ({
  ok: false,
  reason_code: "NOT_FOUND",
  human_explanation: `There is no dead letter ${id}.`,
  suggested_action: "Reload the dead letter list; it may have been replayed or discarded already.",
});

/** The kept bytes go once no dead letter points to them any more. */
async function dropBodyIfUnused(tx: Executor, sha: string | null): Promise<void> {
  if (!sha) return;
  await tx
    .deleteFrom("webhook_dead_bodies")
    .where("body_sha256", "=", sha)
    .where((eb) => eb.not(eb.exists(eb.selectFrom("webhook_dead_letters").select("id").where("body_sha256", "=", sha))))
    .execute();
}

/**
 * Applies a parked event again (after its cause was fixed): its ledger claim is released and the signed body it
 * came in goes through the processor once more, so every rule and the exactly-once ledger apply as on arrival
 * (the body's other events are duplicates). Removed when it applies; kept, and claimed again, when it still fails.
 */
export async function replayDeadLetter(
  deps: DeadLetterDeps,
  id: string,
  actor: AuditActor,
): Promise<DeadLetterOutcome> {
  if (!/^\d{1,18}$/.test(id)) return notFound(id);
  const row = await deps.db
    .selectFrom("webhook_dead_letters as d")
    .leftJoin("webhook_dead_bodies as b", "b.body_sha256", "d.body_sha256")
    .select(["d.event_key", "d.kind", "d.error", "d.body_sha256", "b.body"])
    .where("d.id", "=", id)
    .executeTakeFirst();
  if (!row) return notFound(id);
  if (!row.body) {
    return {
      ok: false,
      reason_code: "INVALID_ARGUMENT",
      human_explanation:
        "This dead letter was parked before webhook bodies were kept, so there are no signed bytes to replay.",
      suggested_action: "Apply the change by hand if it still matters, then discard this dead letter with a reason.",
    };
  }
  await deps.db.deleteFrom("webhook_events").where("event_key", "=", row.event_key).execute();
  const report = await deps.processBody(row.body);
  if (report.pending > 0 || report.outcomes.parked > 0) {
    await claimEvent(deps.db, row.event_key, `dead:${row.kind}`);
    return {
      ok: false,
      reason_code: "WEBHOOK_STILL_FAILING",
      human_explanation: `The event still cannot be applied (${row.error}).`,
      suggested_action:
        "Fix the cause first (e.g. the message it refers to must exist), then replay again, or discard it with a reason.",
    };
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("webhook_dead_letters").where("id", "=", id).execute();
    await dropBodyIfUnused(trx, row.body_sha256);
    await writeAudit(trx, {
      actor,
      action: "webhook.dead_letter_replayed",
      subjectType: "webhook_event",
      subjectId: row.event_key,
      details: { kind: row.kind, outcomes: report.outcomes },
    });
  });
  return { ok: true, id, event_key: row.event_key };
}

/** Drops a parked event for good; the reason and the event stay in the audit log. */
export async function discardDeadLetter(
  db: Db,
  id: string,
  reason: string,
  actor: AuditActor,
): Promise<DeadLetterOutcome> {
  if (!/^\d{1,18}$/.test(id)) return notFound(id);
  if (reason.trim() === "") {
    return {
      ok: false,
      reason_code: "INVALID_ARGUMENT",
      human_explanation: "Discarding needs a reason.",
      suggested_action: "Say why the event can be dropped.",
    };
  }
  return db.transaction().execute(async (trx): Promise<DeadLetterOutcome> => {
    const row = await trx.deleteFrom("webhook_dead_letters").where("id", "=", id).returningAll().executeTakeFirst();
    if (!row) return notFound(id);
    await dropBodyIfUnused(trx, row.body_sha256);
    await writeAudit(trx, {
      actor,
      action: "webhook.dead_letter_discarded",
      subjectType: "webhook_event",
      subjectId: row.event_key,
      details: {
        kind: row.kind,
        error: row.error,
        reason: reason.trim(),
        event: row.event,
        body_sha256: row.body_sha256,
      },
    });
    return { ok: true, id, event_key: row.event_key };
  });
}
