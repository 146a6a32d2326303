import { type Kysely, sql } from "kysely";

// Frozen once shipped.
// messages.meta_call_at: the worker holding the claim started its call to Meta at this time. A `sending` row with
// it set may have reached Meta (died or timed out mid-call), so it is never requeued by age alone: the status
// webhook (our id in biz_opaque_callback_data) resolves it first. Null = Meta was not called under this claim.
// sending_pauses: one row per business number whose sending is stopped by an account-level error (invalid
// token, restricted/locked account, disabled number). Queued messages wait; the row goes when sending resumes.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE messages ADD COLUMN meta_call_at timestamptz;
CREATE INDEX messages_sending_idx ON messages (sending_at) WHERE status = 'sending';

CREATE TABLE sending_pauses (
  phone_number_id text PRIMARY KEY,
  reason_code text NOT NULL,
  error_code integer,
  error_title text,
  explanation text NOT NULL,
  paused_at timestamptz NOT NULL DEFAULT now(),
  probe_at timestamptz NOT NULL DEFAULT now(),
  probes integer NOT NULL DEFAULT 0 CHECK (probes >= 0)
);
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP TABLE sending_pauses;
DROP INDEX messages_sending_idx;
ALTER TABLE messages DROP COLUMN meta_call_at;
`)
    .execute(db);
}
