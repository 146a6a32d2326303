import { type Kysely, sql } from "kysely";

// Frozen once shipped. The media_link_domains policy type: links in media, headers and cta_url buttons only to
// listed domains. The check constraint is the one 0001 declared inline (Postgres named it policies_type_check).
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE policies DROP CONSTRAINT policies_type_check;
ALTER TABLE policies ADD CONSTRAINT policies_type_check
  CHECK (type IN ('time_restriction', 'segment_exclusion', 'frequency_limit', 'media_link_domains'));
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DELETE FROM policies WHERE type = 'media_link_domains';
ALTER TABLE policies DROP CONSTRAINT policies_type_check;
ALTER TABLE policies ADD CONSTRAINT policies_type_check
  CHECK (type IN ('time_restriction', 'segment_exclusion', 'frequency_limit'));
`)
    .execute(db);
}
