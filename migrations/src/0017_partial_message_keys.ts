import { type Kysely, sql } from "kysely";

// Frozen once shipped. wamid and idempotency_key are NULL on most rows while they move (queued, sending: no wamid
// yet; campaign and agent sends without a key), and a plain unique index still takes an entry for every NULL on
// every non-HOT update. Partial unique indexes keep the same uniqueness for every non-NULL value and skip the
// NULLs: each delivered message writes 3 index entries fewer (issue 19; Postgres CPU per message in the capacity
// bench -17 to -22 %). ON CONFLICT on these columns must now name the predicate (`WHERE … IS NOT NULL`).
// The new indexes are built before the old constraints go, in this migration's one transaction: on a large
// table, writes to messages wait for the two builds (0.8 s for 1M rows in memory on the 2-core test machine).
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE UNIQUE INDEX messages_wamid_uniq ON messages (wamid) WHERE wamid IS NOT NULL;
CREATE UNIQUE INDEX messages_idempotency_key_uniq ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE messages DROP CONSTRAINT messages_wamid_key, DROP CONSTRAINT messages_idempotency_key_key;
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE messages ADD CONSTRAINT messages_wamid_key UNIQUE (wamid),
  ADD CONSTRAINT messages_idempotency_key_key UNIQUE (idempotency_key);
DROP INDEX IF EXISTS messages_wamid_uniq, messages_idempotency_key_uniq;
`)
    .execute(db);
}
