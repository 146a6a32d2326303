import { type Kysely, sql } from "kysely";

// Frozen once shipped. Poison webhook events (or bodies) that could not be applied after every retry: kept with
// their error for an operator, never dropped and never blocking the stream.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE webhook_dead_letters (
  id bigserial PRIMARY KEY,
  event_key text NOT NULL UNIQUE,
  kind text NOT NULL,
  error text NOT NULL,
  event jsonb NOT NULL,
  body_sha256 text,
  parked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_dead_letters_parked_at ON webhook_dead_letters (parked_at);
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE webhook_dead_letters`.execute(db);
}
