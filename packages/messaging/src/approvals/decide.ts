import { type Refusal, refuse, type Result } from "@wa/contract";
import { type AuditActor, type Db, writeAudit } from "@wa/db";
import { sql } from "kysely";
import type { EnqueueOptions, EnqueueResult, OutboundRequest } from "../types.js";
import { getApproval, isApprovalId, type ApprovalView, viewOf } from "./view.js";

const MAX_REASON = 500;

/** What an approval re-runs: the same send path, and the campaign scheduling (injected by the app: @wa/campaigns). */
export interface ApprovalDeps {
  readonly db: Db;
  readonly enqueueOutbound: (req: OutboundRequest, opts: EnqueueOptions) => Promise<EnqueueResult>;
  readonly scheduleCampaign: (
    input: Record<string, unknown>,
    actor: AuditActor,
  ) => Promise<Result<{ readonly campaign_id: string }>>;
  readonly now?: () => number;
}

export interface Decision {
  readonly actor: AuditActor; // "operator:<name>"
  readonly reason: string;
}

type Decided = Result<{ readonly approval: ApprovalView }>;

/**
 * Approves and runs the request through the same path, compliance evaluated again now: a refusal then (the
 * customer opted out meanwhile) is recorded on the approval. A fault puts the approval back to pending.
 */
export async function approveRequest(deps: ApprovalDeps, id: string, d: Decision): Promise<Decided> {
  const reason = checkReason(d.reason);
  if (typeof reason !== "string") return reason;
  const now = new Date((deps.now ?? Date.now)());
  const row = await claim(deps.db, id, "approved", d.actor, reason, now);
  if (!("id" in row)) return row;
  let outcome: { message_id?: string; campaign_id?: string; refusal?: Refusal };
  try {
    outcome = await rerun(deps, row.kind, row.request, row.tool, row.id, d.actor, now);
  } catch (err) {
    await deps.db
      .updateTable("approvals")
      .set({ status: "pending", decided_by: null, decided_at: null, reason: null })
      .where("id", "=", row.id)
      .execute();
    throw err;
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("approvals")
      .set({
        message_id: outcome.message_id ?? null,
        campaign_id: outcome.campaign_id ?? null,
        refusal: outcome.refusal ? JSON.stringify(outcome.refusal) : null,
      })
      .where("id", "=", row.id)
      .execute();
    await writeAudit(trx, {
      actor: d.actor,
      action: "approval.approved",
      subjectType: "approval",
      subjectId: row.id,
      details: {
        reason,
        tool: row.tool,
        ...(outcome.message_id ? { message_id: outcome.message_id } : {}),
        ...(outcome.campaign_id ? { campaign_id: outcome.campaign_id } : {}),
        ...(outcome.refusal ? { refused: outcome.refusal.reason_code } : {}),
      },
    });
  });
  return { ok: true, approval: (await getApproval(deps.db, row.id))! };
}

/** Rejects a pending approval with the operator's reason; nothing is sent. */
export async function rejectRequest(db: Db, id: string, d: Decision, now = Date.now()): Promise<Decided> {
  const reason = checkReason(d.reason);
  if (typeof reason !== "string") return reason;
  const row = await claim(db, id, "rejected", d.actor, reason, new Date(now));
  if (!("id" in row)) return row;
  await writeAudit(db, {
    actor: d.actor,
    action: "approval.rejected",
    subjectType: "approval",
    subjectId: row.id,
    details: { reason, tool: row.tool },
  });
  return { ok: true, approval: viewOf(row) };
}

/** The scheduler's sweep: pending approvals past their expiry end `expired` (audited); returns how many. */
export async function expireApprovals(db: Db, now = Date.now()): Promise<number> {
  const rows = await db
    .updateTable("approvals")
    .set({
      status: "expired",
      decided_by: "system",
      decided_at: new Date(now),
      reason: sql<string>`'No operator decided before it expired at '
        || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '; nothing was sent.'`,
    })
    .where("status", "=", "pending")
    .where("expires_at", "<=", new Date(now))
    .returning(["id", "tool", "reason"])
    .execute();
  for (const r of rows)
    await writeAudit(db, {
      actor: "system",
      action: "approval.expired",
      subjectType: "approval",
      subjectId: r.id,
      details: { reason: r.reason, tool: r.tool },
    });
  return rows.length;
}

function checkReason(reason: unknown): string | Refusal {
  const r = typeof reason === "string" ? reason.trim() : "";
  if (r.length >= 1 && r.length <= MAX_REASON) return r;
  return refuse(
    "INVALID_ARGUMENT",
    `A decision needs a reason of 1-${MAX_REASON} characters.`,
    "Say why you approve or reject it (the agent sees the reason).",
  );
}

/** Moves a pending, unexpired approval to the decision; else the refusal saying why it cannot be decided. */
async function claim(db: Db, id: string, status: "approved" | "rejected", actor: AuditActor, reason: string, at: Date) {
  if (isApprovalId(id)) {
    const row = await db
      .updateTable("approvals")
      .set({ status, decided_by: actor, decided_at: at, reason })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("expires_at", ">", at)
      .returningAll()
      .executeTakeFirst();
    if (row) return row;
  }
  const now = await getApproval(db, id);
  if (!now) return refuse("NOT_FOUND", `No approval ${id}.`, "Pick an approval from the list of pending approvals.");
  if (now.status === "pending") await expireApprovals(db, at.getTime());
  const state = now.status === "pending" ? "expired" : now.status;
  return refuse(
    "INVALID_STATE_TRANSITION",
    `Approval ${id} is already ${state}; only a pending approval can be decided.`,
    "Nothing to do; the agent can ask again if the action is still wanted.",
    { current_status: state },
  );
}

async function rerun(
  deps: ApprovalDeps,
  kind: "message" | "campaign",
  stored: Record<string, unknown>,
  tool: string,
  id: string,
  actor: AuditActor,
  now: Date,
): Promise<{ message_id?: string; campaign_id?: string; refusal?: Refusal }> {
  if (kind === "campaign") {
    // Approved after the planned start: it starts now instead of being refused as in the past.
    const at = typeof stored.deliver_at === "string" ? Date.parse(stored.deliver_at) : Number.NaN;
    const input = {
      ...stored,
      deliver_at: (Number.isFinite(at) && at > now.getTime() ? new Date(at) : now).toISOString(),
    };
    const r = await deps.scheduleCampaign(input, actor);
    return r.ok ? { campaign_id: r.campaign_id } : { refusal: r };
  }
  const { window_closed_code: code, ...req } = stored as unknown as OutboundRequest & {
    window_closed_code?: EnqueueOptions["windowClosedCode"];
  };
  const { deliver_at: deliverAt, ...rest } = req;
  const due = deliverAt !== undefined && Date.parse(String(deliverAt)) <= now.getTime();
  const request: OutboundRequest = {
    ...rest,
    // Without the agent's key, the approval's id keeps a retried approval (after a fault) from sending twice.
    idempotency_key: req.idempotency_key ?? `approval:${id}`,
    ...(deliverAt !== undefined && !due ? { deliver_at: deliverAt } : {}), // a scheduled send approved late goes now
  };
  const r = await deps.enqueueOutbound(request, {
    actor,
    tool,
    ...(code ? { windowClosedCode: code } : {}),
  });
  return r.ok ? { message_id: r.message_id } : { refusal: r };
}
