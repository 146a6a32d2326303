import { type MessageCategory, type Policy, policyApplies, type RequireApprovalPolicy } from "@wa/compliance";
import type { AuditActor } from "@wa/db";

/** What a require_approval policy is matched against: one send, or one campaign. */
export interface ApprovalFacts {
  readonly kind: "message" | "campaign";
  readonly category: MessageCategory; // a campaign's type
  readonly channel: string; // the business's (accounts): a policy on "whatsapp" binds every business
  readonly actor: AuditActor; // "agent:<name>" names the agent; "agent" alone matches no `agents` list
  readonly tool: string;
  readonly audience: number | null; // campaigns: the audience estimate; sends: null
  /** The recipient's tags, or a campaign's include_tags; read only when a policy asks. */
  readonly tags: () => readonly string[] | Promise<readonly string[]>;
}

/** Why a request waits: the policies (or the agent key's scope) that matched. */
export interface ApprovalMatch {
  readonly id: string;
  readonly name: string;
}

/** The agent's name in an "agent:<name>" actor; null for any other actor. */
export function agentName(actor: AuditActor): string | null {
  return actor.startsWith("agent:") ? actor.slice("agent:".length) : null;
}

/** Every enabled require_approval policy whose criteria all hold (category, audience, tag, agent, tool). */
export async function matchApproval(
  policies: readonly Policy[],
  facts: ApprovalFacts,
): Promise<readonly ApprovalMatch[]> {
  const out: ApprovalMatch[] = [];
  let tags: readonly string[] | null = null;
  for (const p of policies) {
    if (p.type !== "require_approval" || !p.enabled || !policyApplies(p.channel, facts.channel)) continue;
    if (p.message_type !== "all" && p.message_type !== facts.category) continue;
    if (!plainMatch(p, facts)) continue;
    if (p.rules.customer_tags) {
      tags ??= await facts.tags();
      const have = tags;
      if (!p.rules.customer_tags.some((t) => have.includes(t))) continue;
    }
    out.push({ id: p.id, name: p.name });
  }
  return out;
}

function plainMatch(p: RequireApprovalPolicy, facts: ApprovalFacts): boolean {
  const r = p.rules;
  // A size threshold speaks about campaigns only: a single send never reaches it.
  if (r.min_audience !== undefined && (facts.audience === null || facts.audience < r.min_audience)) return false;
  if (r.tools && !r.tools.includes(facts.tool)) return false;
  if (r.agents) {
    const name = agentName(facts.actor);
    if (name === null || !r.agents.includes(name)) return false;
  }
  return true;
}
