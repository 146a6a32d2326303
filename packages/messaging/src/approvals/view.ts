import type { Check } from "@wa/compliance";
import type { ApprovalStatus, AuditActor, Database, Db } from "@wa/db";
import type { Selectable } from "kysely";
import type { ApprovalMatch } from "./match.js";

type ApprovalRow = Selectable<Database["approvals"]>;

/** One approval as the agent (get_approval), the console and its REST API see it (snake_case). */
export type ApprovalView = {
  readonly approval_id: string;
  readonly kind: "message" | "campaign";
  readonly tool: string;
  readonly status: ApprovalStatus;
  readonly requested_by: AuditActor;
  readonly created_at: string;
  readonly expires_at: string;
  readonly decided_by: AuditActor | null;
  readonly decided_at: string | null;
  readonly reason: string | null; // the operator's reason, or why it expired
  readonly message_id: string | null; // approved sends: the message the re-run queued
  readonly campaign_id: string | null; // approved campaigns: the campaign the re-run scheduled
  readonly refusal: Record<string, unknown> | null; // approved, but compliance refused at approval time
  readonly summary: Record<string, unknown>;
  readonly matched: readonly ApprovalMatch[];
  readonly checks: readonly Check[];
  readonly request: Record<string, unknown>;
}; // a type, not an interface: it is a plain JSON record for the console's API

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isApprovalId(id: string): boolean {
  return UUID.test(id);
}

export function viewOf(r: ApprovalRow): ApprovalView {
  return {
    approval_id: r.id,
    kind: r.kind,
    tool: r.tool,
    status: r.status,
    requested_by: r.requested_by,
    created_at: r.created_at.toISOString(),
    expires_at: r.expires_at.toISOString(),
    decided_by: r.decided_by,
    decided_at: r.decided_at?.toISOString() ?? null,
    reason: r.reason,
    message_id: r.message_id,
    campaign_id: r.campaign_id,
    refusal: r.refusal,
    summary: r.summary,
    matched: r.matched as ApprovalMatch[],
    checks: r.checks as Check[],
    request: r.request,
  };
}

/**
 * One approval; null for an unknown (or malformed) id. `requestedBy` narrows it to that actor's own approvals
 * (an agent's get_approval): another actor's approval reads as unknown, so its existence is not revealed.
 */
export async function getApproval(
  db: Db,
  id: string,
  opts: { readonly requestedBy?: AuditActor } = {},
): Promise<ApprovalView | null> {
  if (!isApprovalId(id)) return null;
  let q = db.selectFrom("approvals").selectAll().where("id", "=", id);
  if (opts.requestedBy !== undefined) q = q.where("requested_by", "=", opts.requestedBy);
  const row = await q.executeTakeFirst();
  return row ? viewOf(row) : null;
}

/** Newest first; `status` narrows the list (the console's pending queue). */
export async function listApprovals(
  db: Db,
  opts: { readonly status?: ApprovalStatus; readonly limit?: number } = {},
): Promise<ApprovalView[]> {
  let q = db.selectFrom("approvals").selectAll();
  if (opts.status) q = q.where("status", "=", opts.status);
  const rows = await q
    .orderBy("created_at", "desc")
    .limit(opts.limit ?? 100)
    .execute();
  return rows.map(viewOf);
}
