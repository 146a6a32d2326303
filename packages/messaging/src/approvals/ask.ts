import type { Check, MessageCategory } from "@wa/compliance";
import type { Refusal } from "@wa/contract";
import type { AuditActor, Db } from "@wa/db";
import type { StateStore } from "@wa/state";
import type { Item } from "../draft.js";
import type { EnqueueOptions, OutboundResult } from "../types.js";
import { type ApprovalGate, type PendingApproval, pendingByKey } from "./gate.js";

// The send path's two questions to the approval gate: "is this key already waiting?" and "must this wait?".

/**
 * An agent's key still waiting in a pending approval (nothing sent yet): the same request gets that approval
 * back, before compliance, so a repeat never asks twice; other content is DUPLICATE_REQUEST. Keys are per actor.
 */
export async function replayPending(
  db: Db,
  items: Iterable<Item>,
  out: Map<Item, OutboundResult>,
  actor: AuditActor,
): Promise<void> {
  for (const i of items) {
    const key = i.checked.idempotencyKey;
    if (key === null || out.has(i)) continue;
    const prior = await pendingByKey(db, actor, { key, hash: i.hash });
    if (prior) out.set(i, prior);
  }
}

/** Asks the gate about one allowed message; null: nothing to approve, queue it. */
export function askApproval(
  gate: ApprovalGate,
  state: StateStore,
  i: Item,
  category: MessageCategory,
  opts: EnqueueOptions,
  checks: readonly Check[],
): Promise<PendingApproval | Refusal | null> {
  const c = i.checked.content;
  const channel = i.checked.channel;
  return gate({
    facts: {
      kind: "message",
      category,
      channel,
      actor: opts.actor,
      tool: opts.tool ?? "send",
      audience: null,
      tags: async () => (await state.getSnapshot({ customerId: i.customerId, channel }))?.customer?.tags ?? [],
    },
    request: {
      ...i.req,
      ...(opts.windowClosedCode ? { window_closed_code: opts.windowClosedCode } : {}),
    },
    summary: {
      customer_id: i.customerId,
      category,
      kind: c.type,
      ...(c.type === "template" ? { template_name: c.template_name.trim() } : {}),
      ...(c.type === "text" ? { text: c.text.slice(0, 200) } : {}),
      ...(i.checked.deliverAt ? { deliver_at: i.checked.deliverAt.toISOString() } : {}),
    },
    checks,
    ...(i.checked.idempotencyKey !== null ? { idempotency: { key: i.checked.idempotencyKey, hash: i.hash } } : {}),
  });
}
