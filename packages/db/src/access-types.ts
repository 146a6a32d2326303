import type { Generated } from "kysely";
import type { CreatedAt, NullableTimestamp, Timestamp, UpdatedAt } from "./column-types.js";

// Who may act: console operators (sessions, API tokens, login attempts) and agents' keys for the remote MCP transport.

export type OperatorRole = "viewer" | "operator" | "admin";

export interface OperatorsTable {
  id: Generated<string>; // bigserial
  name: string;
  role: OperatorRole;
  password_hash: string; // scrypt$N$r$p$salt$hash
  disabled_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OperatorSessionsTable {
  id_hash: string; // sha256 of the cookie value: a database leak yields no usable session
  operator_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: UpdatedAt;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  operator_id: string;
  name: string;
  token_hash: string; // sha256 of the token; the token itself is shown once
  prefix: string; // first characters, to recognise a token in a list
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AgentKeysTable {
  id: Generated<string>;
  name: string; // the agent; audit entries say "agent:<name>"
  key_hash: string; // sha256 of the key; the key itself is shown once
  prefix: string;
  read_only: Generated<boolean>;
  allowed_tools: string[] | null; // null = every tool
  allowed_numbers: string[] | null; // phone_number_ids; null = every number
  allowed_categories: string[] | null; // template categories; null = every category
  marketing_daily_limit: number | null; // marketing sends per day by this agent; null = no own limit
  approval_actions: Generated<string[]>; // tool names (or categories) that wait for a person's approval
  rate_limit_per_sec: number | null; // null = MCP_RATE_LIMIT_PER_SEC
  created_by: string;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface LoginAttemptsTable {
  id: Generated<string>;
  name: string;
  ip: string;
  ok: boolean;
  attempted_at: CreatedAt;
}
