import type { Kysely, Transaction } from "kysely";
import type { AuditActor, Database } from "./types.js";

export interface AuditEntry {
  actor: AuditActor;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
}

/** Appends one audit entry; pass the transaction that makes the change it records. */
export async function writeAudit(db: Kysely<Database> | Transaction<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_logs")
    .values({
      actor: entry.actor,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
