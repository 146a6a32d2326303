import { type Kysely, sql } from "kysely";

// Frozen once shipped. Agent identities for the remote MCP transport: one row per API key ("wak_…", stored as its
// sha256 only) with the agent's name and scopes. Several keys may share a name (rotation); audit entries name
// the agent ("agent:<name>"). approval_actions is read by the approval flow: which actions wait for a person.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE agent_keys (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  read_only boolean NOT NULL DEFAULT false,
  allowed_tools text[],
  allowed_numbers text[],
  allowed_categories text[],
  marketing_daily_limit integer CHECK (marketing_daily_limit >= 0),
  approval_actions text[] NOT NULL DEFAULT '{}',
  rate_limit_per_sec integer CHECK (rate_limit_per_sec BETWEEN 1 AND 100000),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX agent_keys_name_idx ON agent_keys (name);
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw("DROP TABLE agent_keys;").execute(db);
}
