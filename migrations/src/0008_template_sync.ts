import { type Kysely, sql } from "kysely";

// Frozen once shipped. Templates kept current without an agent asking: the category Meta moved a template from
// (template_category_update), and one claim row so that only one scheduler replica syncs from Meta per period.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE templates ADD COLUMN previous_category text;

CREATE TABLE template_sync_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  claimed_by text,
  claimed_at timestamptz,
  synced_at timestamptz,
  synced_count integer,
  problem text
);
INSERT INTO template_sync_state DEFAULT VALUES;
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`DROP TABLE template_sync_state; ALTER TABLE templates DROP COLUMN previous_category;`).execute(db);
}
