import { type Kysely, sql } from "kysely";

// Frozen once shipped.
// get_media finds the inbound message a media id came with (its caption, and proof the id is a customer's);
// wait_for_messages pages every customer's new inbound messages by (created_at, id).
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE INDEX messages_inbound_media_idx ON messages ((content #>> '{media,id}')) WHERE direction = 'inbound';
CREATE INDEX messages_inbound_new_idx ON messages (created_at, id) WHERE direction = 'inbound';
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw("DROP INDEX messages_inbound_new_idx; DROP INDEX messages_inbound_media_idx;").execute(db);
}
