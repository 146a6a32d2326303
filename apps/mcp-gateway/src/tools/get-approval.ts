import { refuse } from "@wa/contract";
import { getApproval as read } from "@wa/messaging";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";

export const getApproval = defineTool({
  name: "get_approval",
  title: "Follow a request waiting for approval",
  description:
    'Where a request that answered status "pending_approval" (send_message, send_template, reply_customer, schedule_message, schedule_campaign) stands: pending (wait; check again later), approved (message_id or campaign_id: follow it with get_delivery_status or get_campaign; when compliance refused it at approval time, refusal says why, e.g. USER_OPTED_OUT: do not retry), rejected (the operator\'s reason: do not resend the same request) or expired (nobody decided in time: ask again only if still wanted). NOT_FOUND for an unknown approval_id or one another agent requested (you see only your own).',
  annotations: READ_ONLY,
  input: {
    approval_id: z.string().min(1).max(64).describe("The approval_id a send or schedule tool returned."),
  },
  output: {
    approval_id: z.string(),
    status: z.enum(["pending", "approved", "rejected", "expired"]),
    kind: z.enum(["message", "campaign"]),
    tool: z.string().describe("the tool that asked"),
    requested_by: z.string(),
    created_at: z.string(),
    expires_at: z.string(),
    decided_by: z.string().nullable().describe('"operator:<name>", or "system" when it expired'),
    decided_at: z.string().nullable(),
    reason: z.string().nullable().describe("the operator's reason, or why it expired"),
    message_id: z.string().nullable().describe("approved sends: the queued message"),
    campaign_id: z.string().nullable().describe("approved campaigns: the scheduled campaign"),
    refusal: z
      .object({ reason_code: z.string(), human_explanation: z.string(), suggested_action: z.string() })
      .nullable()
      .describe("approved, but the compliance check at approval time refused it: nothing was sent"),
    matched: z.array(z.object({ id: z.string(), name: z.string() })).describe("why it needed approval"),
  },
  run: async (input, deps) => {
    // Only the caller's own approvals: "agent:<name>" sees what that agent asked, an unnamed stdio "agent" only
    // what unnamed agents asked. Another's reads as NOT_FOUND, so an id reveals nothing.
    const a = await read(deps.db, input.approval_id.trim(), { requestedBy: deps.actor });
    if (!a)
      return refuse(
        "NOT_FOUND",
        `No approval ${input.approval_id}.`,
        'Pass the approval_id from a "pending_approval" answer you received (only your own approvals are visible).',
      );
    const r = a.refusal as { reason_code?: unknown; human_explanation?: unknown; suggested_action?: unknown } | null;
    return {
      approval_id: a.approval_id,
      status: a.status,
      kind: a.kind,
      tool: a.tool,
      requested_by: a.requested_by,
      created_at: a.created_at,
      expires_at: a.expires_at,
      decided_by: a.decided_by,
      decided_at: a.decided_at,
      reason: a.reason,
      message_id: a.message_id,
      campaign_id: a.campaign_id,
      refusal: r
        ? {
            reason_code: String(r.reason_code),
            human_explanation: String(r.human_explanation),
            suggested_action: String(r.suggested_action),
          }
        : null,
      matched: [...a.matched],
    };
  },
});
