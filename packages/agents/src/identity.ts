import type { AgentKeyRow, AuditActor } from "@wa/db";

/** Who is calling the gateway and what it may do; one per API key (HTTP) or per configured name (stdio). */
export interface AgentIdentity {
  readonly keyId: string | null; // null for the stdio identity from AGENT_NAME
  readonly name: string;
  readonly actor: AuditActor; // "agent:<name>", or "agent" for an unnamed stdio gateway
  readonly readOnly: boolean;
  readonly allowedTools: ReadonlySet<string> | null; // null = every tool
  readonly allowedNumbers: ReadonlySet<string> | null; // phone_number_ids; null = every number
  readonly allowedCategories: ReadonlySet<string> | null; // template categories; null = every category
  readonly marketingDailyLimit: number | null;
  readonly approvalActions: readonly string[]; // read by the approval flow
  readonly ratePerSec: number | null; // null = the gateway's default
}

/** The stdio gateway's identity: the configured name with every scope (DISABLED_TOOLS / READ_ONLY still apply). */
export function configuredIdentity(name: string): AgentIdentity {
  return {
    keyId: null,
    name: name || "agent",
    actor: name ? `agent:${name}` : "agent",
    readOnly: false,
    allowedTools: null,
    allowedNumbers: null,
    allowedCategories: null,
    marketingDailyLimit: null,
    approvalActions: [],
    ratePerSec: null,
  };
}

const set = (v: string[] | null) => (v === null ? null : new Set(v));

export function identityOf(row: AgentKeyRow): AgentIdentity {
  return {
    keyId: String(row.id),
    name: row.name,
    actor: `agent:${row.name}`,
    readOnly: row.read_only,
    allowedTools: set(row.allowed_tools),
    allowedNumbers: set(row.allowed_numbers),
    allowedCategories: set(row.allowed_categories),
    marketingDailyLimit: row.marketing_daily_limit,
    approvalActions: row.approval_actions,
    ratePerSec: row.rate_limit_per_sec,
  };
}

/**
 * Null when the identity may call the tool, else the scope it lacks (for SCOPE_DENIED). `readOnlyTool` is the
 * tool's readOnlyHint: a read-only key may call exactly those.
 */
export function missingToolScope(id: AgentIdentity, tool: string, readOnlyTool: boolean): string | null {
  if (id.readOnly && !readOnlyTool) return "read_only";
  if (id.allowedTools !== null && !id.allowedTools.has(tool)) return `tools:${tool}`;
  return null;
}
