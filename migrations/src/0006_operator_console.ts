import { type Kysely, sql } from "kysely";

// Frozen once shipped. The operator console (apps/console): operator accounts, server-side sessions, hashed API
// tokens, the login-attempt ledger that throttles guessing, audit actors that name who acted
// ("operator:alice"), and the indexes its list pages need on a large database.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE operators (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  password_hash text NOT NULL,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operator_sessions (
  id_hash text PRIMARY KEY,
  operator_id bigint NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX operator_sessions_operator_idx ON operator_sessions (operator_id);
CREATE INDEX operator_sessions_expires_idx ON operator_sessions (expires_at);

CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  operator_id bigint NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_operator_idx ON api_tokens (operator_id);

CREATE TABLE login_attempts (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  ip text NOT NULL,
  ok boolean NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_name_idx ON login_attempts (name, attempted_at DESC);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, attempted_at DESC);

ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_actor_check;
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_actor_check
  CHECK (actor ~ '^(agent|system|webhook|operator)(:[A-Za-z0-9._@-]{1,100})?$');
CREATE INDEX audit_logs_created_idx ON audit_logs (created_at DESC, id DESC);
CREATE INDEX audit_logs_action_idx ON audit_logs (action, created_at DESC);
-- actor filters: one actor ('operator:alice') or a kind ('operator' and 'operator:%', a prefix range).
CREATE INDEX audit_logs_actor_idx ON audit_logs (actor text_pattern_ops, created_at DESC);

CREATE INDEX messages_created_idx ON messages (created_at DESC, id DESC);
CREATE INDEX messages_status_created_idx ON messages (status, created_at DESC);
CREATE INDEX messages_error_created_idx ON messages (error_code, created_at DESC) WHERE error_code IS NOT NULL;
CREATE INDEX customers_updated_idx ON customers (updated_at DESC);
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP INDEX customers_updated_idx, messages_error_created_idx, messages_status_created_idx, messages_created_idx,
  audit_logs_actor_idx, audit_logs_action_idx, audit_logs_created_idx;
ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_actor_check;
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_actor_check CHECK (actor IN ('agent', 'system', 'webhook', 'operator'));
DROP TABLE login_attempts, api_tokens, operator_sessions, operators;
`)
    .execute(db);
}
