import { type AgentScopes, createAgentKey, revokeAgentKey } from "@wa/agents";
import { type Operator, operatorActor } from "@wa/operators";
import type { ConsoleDeps } from "../deps.js";
import { refuse, type Outcome } from "../refusal.js";

/** A new agent key (admin): shown once in the answer, stored hashed, audited as operator:<name>. */
export async function createAgent(
  deps: ConsoleDeps,
  op: Operator,
  input: { name: string } & AgentScopes,
): Promise<Outcome<{ id: string; name: string; key: string; prefix: string }>> {
  const r = await createAgentKey(deps.db, input, operatorActor(op.name));
  if (!r.ok) return refuse(r.reason_code, r.message, "Fix the named field and create the key again.");
  return { ok: true, id: r.id, name: r.name, key: r.key, prefix: r.prefix };
}

export async function revokeAgent(deps: ConsoleDeps, op: Operator, id: string): Promise<Outcome<{ id: string }>> {
  if (await revokeAgentKey(deps.db, id, operatorActor(op.name))) return { ok: true, id };
  return refuse("NOT_FOUND", `There is no active agent key ${id}.`, "Reload the Agents page.");
}

/** The create form's fields: comma lists (empty = every), numbers, a checkbox. */
export function scopesFromForm(f: Record<string, unknown>): { name: string } & AgentScopes {
  const text = (k: string) => (typeof f[k] === "string" ? (f[k] as string).trim() : "");
  const items = (k: string) => {
    const v = text(k);
    return v === ""
      ? null
      : v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
  };
  const num = (k: string) => (text(k) === "" ? null : Number(text(k)));
  return {
    name: text("name"),
    read_only: text("read_only") === "true",
    allowed_tools: items("allowed_tools"),
    allowed_numbers: items("allowed_numbers"),
    allowed_categories: items("allowed_categories"),
    marketing_daily_limit: num("marketing_daily_limit"),
    approval_actions: items("approval_actions") ?? [],
    rate_limit_per_sec: num("rate_limit_per_sec"),
  };
}
