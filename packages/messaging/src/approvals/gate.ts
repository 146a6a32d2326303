import type { Check, Policy } from "@wa/compliance";
import { type Refusal, refuse } from "@wa/contract";
import { type AuditActor, type Db, writeAudit } from "@wa/db";
import { type ApprovalFacts, type ApprovalMatch, matchApproval } from "./match.js";

/** The answer instead of a queued message or a scheduled campaign: an operator decides first. */
export interface PendingApproval {
  readonly ok: true;
  readonly status: "pending_approval";
  readonly approval_id: string;
  readonly expires_at: string; // RFC 3339: rejected as expired when nobody decides by then
  readonly matched: readonly ApprovalMatch[];
  readonly human_explanation: string;
  readonly summary: Record<string, unknown>; // customer_id, category, … as the approval stores them
  readonly duplicate: boolean; // true: the same idempotency_key and content as a pending approval; that one is answered
}

/** One request the send path would carry out now, asked of the gate first. */
interface ApprovalAsk {
  readonly facts: ApprovalFacts;
  readonly request: Record<string, unknown>; // re-run as is on approval
  readonly summary: Record<string, unknown>; // what the console lists (customer, template, audience, …)
  readonly checks: readonly Check[]; // the compliance checks at request time
  /** The agent's idempotency_key and the request's content hash: a repeat while pending answers that approval. */
  readonly idempotency?: { readonly key: string; readonly hash: string };
}

/**
 * null: nothing to approve, carry on; else the approval the request now waits in, or DUPLICATE_REQUEST when
 * its idempotency_key already waits with other content.
 */
export type ApprovalGate = (ask: ApprovalAsk) => Promise<PendingApproval | Refusal | null>;

export interface ApprovalGateOptions {
  readonly db: Db;
  readonly policies: () => readonly Policy[] | Promise<readonly Policy[]>; // @wa/compliance policies()
  readonly ttlMs: number; // APPROVAL_TTL_HOURS
  readonly now?: () => number;
  /**
   * Extra require_approval rules for this actor (an agent key's "needs approval" scope): matched exactly like
   * policies. The seam for agent identities; absent, only policies decide.
   */
  readonly rulesFor?: (actor: AuditActor) => readonly Policy[] | Promise<readonly Policy[]>;
}

export function createApprovalGate(o: ApprovalGateOptions): ApprovalGate {
  const now = o.now ?? Date.now;
  return async (ask) => {
    const [policies, extra] = await Promise.all([o.policies(), o.rulesFor?.(ask.facts.actor) ?? []]);
    const matched = await matchApproval([...policies, ...extra], ask.facts);
    if (matched.length === 0) return null;
    // Two tries: the pending approval this insert collided with may be decided before it is read back.
    for (let attempt = 0; attempt < 2; attempt++) {
      const row = await insertPending(o.db, ask, matched, new Date(now()), new Date(now() + o.ttlMs));
      if (row) return pendingOf(row.id, row.expires_at, matched, ask.summary, ask.facts.kind, false);
      const prior = await pendingByKey(o.db, ask.facts.actor, ask.idempotency!);
      if (prior) return prior;
    }
    throw new Error("approval idempotency conflict without a pending row"); // a fault: the caller may retry
  };
}

/** The new approval's id, or null when a pending approval with this actor and idempotency_key exists. */
async function insertPending(
  db: Db,
  ask: ApprovalAsk,
  matched: readonly ApprovalMatch[],
  createdAt: Date,
  expiresAt: Date,
): Promise<{ id: string; expires_at: Date } | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("approvals")
      .values({
        kind: ask.facts.kind,
        tool: ask.facts.tool,
        request: JSON.stringify(ask.request),
        summary: JSON.stringify(ask.summary),
        matched: JSON.stringify(matched),
        checks: JSON.stringify(ask.checks),
        requested_by: ask.facts.actor,
        created_at: createdAt,
        expires_at: expiresAt,
        idempotency_key: ask.idempotency?.key ?? null,
        request_hash: ask.idempotency?.hash ?? null,
      })
      // approvals_pending_key_idx (0015): a concurrent identical call waits here for the first, then inserts nothing.
      .onConflict((oc) =>
        oc
          .columns(["requested_by", "idempotency_key"])
          .where("status", "=", "pending")
          .where("idempotency_key", "is not", null)
          .doNothing(),
      )
      .returning(["id", "expires_at"])
      .executeTakeFirst();
    if (!row) return null;
    await writeAudit(trx, {
      actor: ask.facts.actor,
      action: "approval.requested",
      subjectType: "approval",
      subjectId: row.id,
      details: { tool: ask.facts.tool, kind: ask.facts.kind, matched, ...ask.summary },
    });
    return row;
  });
}

/**
 * The pending approval this actor's idempotency_key waits in: answered again (duplicate) for the same content,
 * DUPLICATE_REQUEST for other content; null when none is pending (a decided one no longer holds the key).
 */
export async function pendingByKey(
  db: Db,
  actor: AuditActor,
  idem: { readonly key: string; readonly hash: string },
): Promise<PendingApproval | Refusal | null> {
  const row = await db
    .selectFrom("approvals")
    .select(["id", "kind", "expires_at", "matched", "summary", "request_hash"])
    .where("requested_by", "=", actor)
    .where("idempotency_key", "=", idem.key)
    .where("status", "=", "pending")
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== idem.hash)
    return refuse(
      "DUPLICATE_REQUEST",
      `idempotency_key "${idem.key}" was already used for a different request, which waits for approval ${row.id}.`,
      "Use a new idempotency_key for a different message, or resend exactly the same content to get that approval back.",
      { approval_id: row.id },
    );
  return pendingOf(row.id, row.expires_at, row.matched as ApprovalMatch[], row.summary, row.kind, true);
}

function pendingOf(
  id: string,
  expiresAt: Date,
  matched: readonly ApprovalMatch[],
  summary: Record<string, unknown>,
  kind: "message" | "campaign",
  duplicate: boolean,
): PendingApproval {
  const what = kind === "campaign" ? "campaign" : "message";
  return {
    ok: true,
    status: "pending_approval",
    approval_id: id,
    expires_at: expiresAt.toISOString(),
    matched,
    summary,
    duplicate,
    human_explanation: duplicate
      ? `This ${what} already waits for an operator's approval (same idempotency_key); nothing new was requested or sent.`
      : `This ${what} needs an operator's approval (${matched.map((m) => m.name).join("; ")}); nothing was sent yet.`,
  };
}
