import { scheduleCampaign } from "@wa/campaigns";
import { approveRequest, rejectRequest, type ApprovalView } from "@wa/messaging";
import { operatorActor, type Operator } from "@wa/operators";
import type { ConsoleDeps } from "../deps.js";
import { refuse, type Outcome } from "../refusal.js";

type Decided = Outcome<{ approval: ApprovalView }>;

/** Approve: the stored request runs through the same send path now (compliance evaluated again), as operator:<name>. */
export async function approve(deps: ConsoleDeps, op: Operator, id: string, reason: string): Promise<Decided> {
  const r = await approveRequest(
    {
      db: deps.db,
      now: deps.now,
      enqueueOutbound: deps.send,
      scheduleCampaign: (input, actor) => scheduleCampaign({ db: deps.db, now: deps.now }, input as never, { actor }),
    },
    id,
    { actor: operatorActor(op.name), reason },
  );
  return r.ok ? r : refuse(r.reason_code, r.human_explanation, r.suggested_action);
}

/** Reject: nothing is sent; the agent sees the reason through get_approval. */
export async function reject(deps: ConsoleDeps, op: Operator, id: string, reason: string): Promise<Decided> {
  const r = await rejectRequest(deps.db, id, { actor: operatorActor(op.name), reason }, deps.now());
  return r.ok ? r : refuse(r.reason_code, r.human_explanation, r.suggested_action);
}
