import type { NumberAccount } from "@wa/accounts";
import { sendingPause, type Accepted, type OutboundResult, type PendingApproval } from "@wa/messaging";
import type { ToolDeps } from "../deps.js";
import { z } from "zod";
import { fromOut, fromShape } from "./from-number.js";

/** Beside message_id: the approval a require_approval policy made the request wait in. */
export const approvalShape = {
  approval_id: z
    .string()
    .nullable()
    .describe(
      'status "pending_approval": nothing was sent yet; an operator must approve it. Follow it with get_approval (approved → message_id; rejected/expired → the reason). Do not resend meanwhile.',
    ),
  expires_at: z.string().nullable().describe("pending_approval: when it expires if nobody decides"),
};

export const acceptedShape = {
  status: z
    .string()
    .describe('"queued" (or the first message\'s current status when duplicate), or "pending_approval"'),
  message_id: z.string().nullable().describe("our id: pass it to get_delivery_status (null while pending_approval)"),
  ...approvalShape,
  customer_id: z.string().describe("the normalized recipient"),
  from: fromShape,
  category: z.enum(["marketing", "utility", "authentication", "service"]),
  duplicate: z
    .boolean()
    .describe(
      "true: same idempotency_key and content as an earlier call (queued, or still pending_approval: the same approval_id); nothing new was queued",
    ),
  note: z.string().nullable(),
  sending_paused: z
    .object({
      reason_code: z.string(),
      error_code: z.number().nullable(),
      human_explanation: z.string(),
      paused_at: z.string(),
    })
    .nullable()
    .describe(
      "SENDING_PAUSED: an account-level error (invalid token, restricted account, disabled number) stopped this number's sending; the message waits queued and goes once sending resumes",
    ),
};

const NATS_DOWN =
  "Queued in the database; the message bus is unreachable, so delivery starts once it is back (nothing is lost).";

/** A request waiting for an operator, in a send tool's answer shape. */
export function pendingOut(p: PendingApproval, from: NumberAccount) {
  return {
    from: fromOut(from),
    status: p.status,
    message_id: null,
    approval_id: p.approval_id,
    expires_at: p.expires_at,
    customer_id: String(p.summary.customer_id ?? ""),
    category: p.summary.category as Accepted["category"],
    duplicate: p.duplicate,
    note: p.human_explanation,
    sending_paused: null,
  };
}

/** A send tool's answer: queued (acceptedOut), waiting for approval (pendingOut) or the refusal as is. */
export async function sendOut(r: OutboundResult, deps: Pick<ToolDeps, "db">, from: NumberAccount) {
  if (!r.ok) return r;
  return r.status === "pending_approval" ? pendingOut(r, from) : acceptedOut(r, deps, from);
}

/** The accepted answer, with the number's sending pause when there is one (the message waits, nothing fails). */
async function acceptedOut(a: Accepted, deps: Pick<ToolDeps, "db">, from: NumberAccount) {
  const pause = await sendingPause(deps.db, from.phoneNumberId).catch(() => null); // queued either way
  return {
    from: fromOut(from),
    status: a.status,
    message_id: a.message_id,
    approval_id: null,
    expires_at: null,
    customer_id: a.customer_id,
    category: a.category,
    duplicate: a.duplicate,
    note: pause ? pause.human_explanation : a.status === "queued" && !a.duplicate && !a.published ? NATS_DOWN : null,
    sending_paused: pause
      ? {
          reason_code: pause.reason_code,
          error_code: pause.error_code,
          human_explanation: pause.human_explanation,
          paused_at: pause.paused_at,
        }
      : null,
  };
}
