import { approvalActionsOf } from "@wa/agents";
import { parsePolicy, type Policy } from "@wa/compliance";
import type { AuditActor, Db } from "@wa/db";

const CATEGORIES = new Set(["marketing", "utility", "authentication"]);

/**
 * An agent key's "needs approval" scope as require_approval rules, matched by the approval gate exactly like
 * policies: a tool name waits on that tool, a category on every send or campaign of it.
 */
export function keyApprovalRules(db: Db): (actor: AuditActor) => Promise<readonly Policy[]> {
  return async (actor) => {
    if (!actor.startsWith("agent:")) return [];
    const name = actor.slice("agent:".length);
    const actions = await approvalActionsOf(db, name);
    return actions.map((a, i) =>
      parsePolicy(
        {
          id: `agent-key-${i}`,
          name: `agent ${name}'s key: ${a} needs approval`,
          type: "require_approval",
          ...(CATEGORIES.has(a) ? { message_type: a } : { rules: { tools: [a] } }),
        },
        "agent key",
        i,
      ),
    );
  };
}
