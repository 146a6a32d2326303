import { type Kysely, sql } from "kysely";

// Frozen once shipped. The raw signed bytes of every webhook body with a dead-lettered event, kept once per body
// (bytea: jsonb refuses NUL and lone surrogates and limits nesting, so it cannot hold every signed body). A dead
// letter points to its body by body_sha256; replay = delete the ledger row, republish these bytes.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE webhook_dead_bodies (
  body_sha256 text PRIMARY KEY,
  body bytea NOT NULL,
  parked_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE webhook_dead_letters ALTER COLUMN event DROP NOT NULL;
ALTER TABLE webhook_dead_letters ADD COLUMN sanitized jsonb;
CREATE INDEX webhook_dead_letters_body_sha256 ON webhook_dead_letters (body_sha256);
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP INDEX webhook_dead_letters_body_sha256;
ALTER TABLE webhook_dead_letters DROP COLUMN sanitized;
ALTER TABLE webhook_dead_letters ALTER COLUMN event SET NOT NULL;
DROP TABLE webhook_dead_bodies;
`)
    .execute(db);
}
