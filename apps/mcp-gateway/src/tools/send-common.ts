import type { Accepted, Refused } from "@wa/messaging";
import { z } from "zod";
import { deny, type Denial } from "./define-tool.js";

/** The send path's refusal → the wire refusal; the compliance checks and timing hints go in details. */
export function fromRefused(r: Refused): Denial {
  const details: Record<string, unknown> = {
    ...(r.resets_at ? { resets_at: r.resets_at } : {}),
    ...(r.opens_at ? { opens_at: r.opens_at } : {}),
    ...(r.policy_id ? { policy_id: r.policy_id } : {}),
    ...(r.decision ? { checks: r.decision.checks.map((c) => ({ rule: c.rule, passed: c.passed, detail: c.detail })) } : {}),
  };
  return deny(r.reason_code, r.human_explanation, r.suggested_action, Object.keys(details).length ? details : undefined);
}

export const acceptedShape = {
  status: z.string().describe('"queued" (or the first message\'s current status when duplicate)'),
  message_id: z.string().describe("our id: pass it to get_delivery_status"),
  customer_id: z.string().describe("the normalized recipient"),
  category: z.enum(["marketing", "utility", "authentication", "service"]),
  duplicate: z.boolean().describe("true: same idempotency_key and content as an earlier call; nothing new was queued"),
  note: z.string().nullable(),
};

const NATS_DOWN = "Queued in the database; the message bus is unreachable, so delivery starts once it is back (nothing is lost).";

export function acceptedOut(a: Accepted) {
  return {
    status: a.status,
    message_id: a.message_id,
    customer_id: a.customer_id,
    category: a.category,
    duplicate: a.duplicate,
    note: a.status === "queued" && !a.duplicate && !a.published ? NATS_DOWN : null,
  };
}
