import { type Kysely, sql } from "kysely";

// Frozen once shipped. An agent repeating a send with the same idempotency_key while its approval is pending
// gets that approval back: the key and the request's content hash are kept, and at most one pending approval per
// (actor, key) exists. The unique index, not a read-then-insert, makes two concurrent identical calls one approval.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE approvals ADD COLUMN idempotency_key text, ADD COLUMN request_hash text;
CREATE UNIQUE INDEX approvals_pending_key_idx ON approvals (requested_by, idempotency_key)
  WHERE status = 'pending' AND idempotency_key IS NOT NULL;
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP INDEX IF EXISTS approvals_pending_key_idx;
ALTER TABLE approvals DROP COLUMN IF EXISTS idempotency_key, DROP COLUMN IF EXISTS request_hash;
`)
    .execute(db);
}
