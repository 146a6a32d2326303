import { inboundContent, textOf } from "./inbound-content.js";
import { arr, bool, digest, isObj, num, obj, secondsToMs, str, type Obj } from "./read.js";
import type { DeliveryStatus, InboundContact, StatusEvent, WebhookError, WebhookEvent } from "./types.js";

/** Where an event came from: entry.id, entry.time and the change's metadata. */
export interface Origin {
  wabaId: string;
  entryTime: number | null; // ms
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
}

/** The routing fields every event carries. */
export function placeOf(o: Origin): {
  wabaId: string;
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
} {
  return { wabaId: o.wabaId, phoneNumberId: o.phoneNumberId, displayPhoneNumber: o.displayPhoneNumber };
}

const STATUSES = new Set<string>(["sent", "delivered", "read", "played", "failed"]);

function webhookErrors(v: unknown): WebhookError[] {
  return arr(v)
    .filter(isObj)
    .map((e) => ({
      code: num(e.code),
      title: str(e.title),
      message: str(e.message),
      details: str(obj(e.error_data)?.details),
      href: str(e.href),
    }));
}

function contactOf(c: Obj): InboundContact {
  const profile = obj(c.profile) ?? {};
  return {
    name: str(profile.name),
    waId: str(c.wa_id),
    userId: str(c.user_id),
    parentUserId: str(c.parent_user_id),
    username: str(profile.username),
    countryCode: str(profile.country_code),
  };
}

function matchContact(contacts: InboundContact[], from: string | null, userId: string | null): InboundContact | null {
  const hit = contacts.find((c) => (from !== null && c.waId === from) || (userId !== null && c.userId === userId));
  return hit ?? (contacts.length === 1 ? contacts[0]! : null);
}

function messageEvent(m: Obj, contacts: InboundContact[], origin: Origin): WebhookEvent {
  const wamid = str(m.id);
  const contactHint = matchContact(contacts, str(m.from), str(m.from_user_id));
  const from = str(m.from) ?? contactHint?.waId ?? null;
  const fromUserId = str(m.from_user_id) ?? contactHint?.userId ?? null;
  const customerKey = from ?? fromUserId;
  const base = { ...placeOf(origin), timestamp: secondsToMs(m.timestamp) ?? origin.entryTime, raw: m };
  if (wamid === null || customerKey === null) {
    const reason = wamid === null ? "inbound message without id" : "inbound message without from/from_user_id";
    return { kind: "unknown", field: "messages", reason, dedupKey: `unknown:${origin.wabaId}:${digest(m)}`, ...base };
  }
  const ctx = obj(m.context);
  const content = inboundContent(m);
  return {
    kind: "message",
    dedupKey: `msg:${wamid}`,
    ...base,
    wamid,
    from,
    fromUserId,
    customerKey,
    contact: contactHint,
    context: ctx && {
      messageId: str(ctx.id),
      from: str(ctx.from),
      forwarded: ctx.forwarded === true,
      frequentlyForwarded: ctx.frequently_forwarded === true,
    },
    referral: obj(m.referral),
    text: textOf(content),
    content,
    errors: webhookErrors(m.errors),
  };
}

function statusEvent(s: Obj, origin: Origin): WebhookEvent {
  const wamid = str(s.id);
  const status = str(s.status);
  const base = { ...placeOf(origin), timestamp: secondsToMs(s.timestamp) ?? origin.entryTime, raw: s };
  if (wamid === null || status === null || !STATUSES.has(status)) {
    // Legacy values (deleted, warning) and broken rows are reported, not guessed at.
    const reason = wamid === null ? "status without id" : `unknown status value "${String(s.status)}"`;
    return {
      kind: "unknown",
      field: "messages",
      reason,
      dedupKey: `unknown:status:${wamid ?? digest(s)}:${String(s.status)}`,
      ...base,
    };
  }
  const conv = obj(s.conversation);
  const pricing = obj(s.pricing);
  const recipientId = str(s.recipient_id);
  const recipientUserId = str(s.recipient_user_id);
  const event: StatusEvent = {
    kind: "status",
    dedupKey: `status:${wamid}:${status}`,
    ...base,
    wamid,
    status: status as DeliveryStatus,
    recipientId,
    recipientUserId,
    customerKey: recipientId ?? recipientUserId,
    recipientType: str(s.recipient_type),
    bizOpaqueCallbackData: str(s.biz_opaque_callback_data),
    conversation: conv && {
      id: str(conv.id),
      expiresAt: secondsToMs(conv.expiration_timestamp),
      originType: str(obj(conv.origin)?.type),
    },
    pricing: pricing && {
      billable: bool(pricing.billable),
      pricingModel: str(pricing.pricing_model),
      type: str(pricing.type),
      category: str(pricing.category),
    },
    errors: webhookErrors(s.errors),
  };
  return event;
}

/** `field: "messages"`: inbound messages, statuses and system-level errors of one change. */
export function messagesFieldEvents(value: Obj, origin: Origin): WebhookEvent[] {
  const contacts = arr(value.contacts).filter(isObj).map(contactOf);
  const events: WebhookEvent[] = [];
  for (const m of arr(value.messages)) if (isObj(m)) events.push(messageEvent(m, contacts, origin));
  for (const s of arr(value.statuses)) if (isObj(s)) events.push(statusEvent(s, origin));
  const errors = webhookErrors(value.errors);
  if (errors.length > 0) {
    const key = `err:${origin.wabaId}:${origin.phoneNumberId ?? "-"}:${origin.entryTime ?? "-"}:${digest(value.errors)}`;
    events.push({ kind: "error", dedupKey: key, ...placeOf(origin), timestamp: origin.entryTime, raw: value, errors });
  }
  return events;
}
