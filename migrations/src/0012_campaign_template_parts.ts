import { type Kysely, sql } from "kysely";

// Frozen once shipped.
// A campaign's template header and button parameters (issue 16): the same for every recipient, sent as given
// through the one send path, where compliance rule 5 checks them against the template's components.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE campaigns ADD COLUMN template_header jsonb;
ALTER TABLE campaigns ADD COLUMN template_buttons jsonb;
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE campaigns DROP COLUMN template_buttons;
ALTER TABLE campaigns DROP COLUMN template_header;
`)
    .execute(db);
}
