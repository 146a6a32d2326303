import { type Kysely, sql } from "kysely";

// Frozen once shipped. One version number for the policies table, bumped by a trigger in the writing transaction,
// so every process sees any change (policies.yaml at start, an operator's SQL) by reading one row, and time
// restrictions from before allow_after was required keep their meaning ("quiet until midnight").
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE policies_version (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL DEFAULT 0
);
INSERT INTO policies_version DEFAULT VALUES;

CREATE FUNCTION policies_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE policies_version SET version = version + 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER policies_version_rows AFTER INSERT OR UPDATE OR DELETE ON policies
  FOR EACH ROW EXECUTE FUNCTION policies_version_bump();
CREATE TRIGGER policies_version_truncate AFTER TRUNCATE ON policies
  FOR EACH STATEMENT EXECUTE FUNCTION policies_version_bump();

UPDATE policies SET rules = rules || '{"allow_after": "00:00"}'::jsonb, updated_at = now()
  WHERE type = 'time_restriction' AND NOT rules ? 'allow_after' AND rules->>'deny_after' <> '00:00';
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP TRIGGER policies_version_rows ON policies;
DROP TRIGGER policies_version_truncate ON policies;
DROP FUNCTION policies_version_bump();
DROP TABLE policies_version;
`)
    .execute(db);
}
