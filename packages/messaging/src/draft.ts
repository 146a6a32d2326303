import { timeOrderedId } from "./time-ordered-id.js";
import type { Check, Decision, DecisionRequest, MessageCategory, TemplateParts } from "@wa/compliance";
import { linkHosts } from "./content-checks.js";
import { templateLinkHosts } from "./template-parts.js";
import { kindOf, storedContent, type CheckedRequest } from "./request.js";
import type { BatchOptions, EnqueueOptions, OutboundRequest } from "./types.js";
import type { Draft } from "./write.js";

/** One request past the argument checks and the number's normalization. */
export interface Item {
  readonly req: OutboundRequest;
  readonly checked: CheckedRequest;
  readonly recipient: string; // the id the request addressed (phone digits or BSUID): Meta's `to`
  readonly customerId: string; // the customer holding that id's history (@wa/state aliases)
  readonly hash: string;
}

/** The compliance question for one request. */
export function decisionRequest(i: Item): DecisionRequest {
  const c = i.checked.content;
  return {
    customer_id: i.recipient, // rule 1 judges the addressed id (no authentication to a BSUID); facts are the customer's
    message_type: i.checked.messageType,
    channel: i.checked.channel,
    ...(i.checked.phoneNumberId === null ? {} : { phone_number_id: i.checked.phoneNumberId }),
    ...(c.type === "template"
      ? {
          template_name: c.template_name.trim(),
          locale: c.locale ?? "en",
          variables: c.variables ?? [],
          ...(c.header ? { header: c.header } : {}),
          ...(c.buttons ? { buttons: c.buttons } : {}),
        }
      : {}),
    ...(c.type !== "template" && c.type !== "text" ? { link_hosts: linkHosts(c) } : {}),
    ...(c.type === "template" ? templateLinkHosts(c.header) : {}),
  };
}

/** The row and audit entry for an allowed (or quiet-hours-held) request; `checks`: the decision's, kept in the entry. */
export function draftOf(
  i: Item,
  category: MessageCategory,
  replyWamid: string | null,
  holdUntil: string | null,
  opts: EnqueueOptions,
  checks: readonly Check[] | null = null,
  parts?: TemplateParts,
): Draft {
  const c = i.checked.content;
  const deliverAt = holdUntil ? new Date(holdUntil) : i.checked.deliverAt;
  const scheduled = deliverAt !== null;
  const templateName = c.type === "template" ? c.template_name.trim() : null;
  const campaignId = i.req.campaign_id ?? null;
  return {
    id: timeOrderedId(),
    channel: i.checked.channel,
    phoneNumberId: i.checked.phoneNumberId,
    customerId: i.customerId,
    category,
    slot: category === "marketing" && !scheduled,
    kind: kindOf(c),
    content: {
      ...storedContent(c, replyWamid, parts),
      ...(i.recipient === i.customerId ? {} : { to: i.recipient }),
    },
    templateName,
    templateLocale: c.type === "template" ? (c.locale ?? "en") : null,
    status: scheduled ? "scheduled" : "queued",
    deliverAt,
    campaignId,
    idempotencyKey: i.checked.idempotencyKey,
    requestHash: i.hash,
    audit: {
      actor: opts.actor,
      action: scheduled ? "message.scheduled" : "message.queued",
      details: {
        customer_id: i.customerId,
        ...(i.checked.phoneNumberId === null ? {} : { phone_number_id: i.checked.phoneNumberId }),
        category,
        kind: kindOf(c),
        ...(templateName ? { template_name: templateName } : {}),
        ...(opts.tool ? { tool: opts.tool } : {}),
        ...(i.checked.idempotencyKey ? { idempotency_key: i.checked.idempotencyKey } : {}),
        ...(deliverAt ? { deliver_at: deliverAt.toISOString() } : {}),
        ...(holdUntil ? { held_for: "quiet_hours" } : {}),
        ...(campaignId ? { campaign_id: campaignId } : {}),
        ...(checks ? { checks } : {}),
      },
    },
  };
}

/** A recipient whose only failing rule is quiet hours, when the caller holds such recipients instead of skipping them. */
export function quietHold(d: Decision, opts: BatchOptions): string | null {
  if (d.allowed) return null;
  const onlyQuietHours =
    d.reason_code === "POLICY_RESTRICTION" && d.opens_at && d.checks.filter((c) => !c.passed).length === 1;
  return opts.holdQuietHours && onlyQuietHours ? (d.opens_at ?? null) : null;
}
