import { createHash } from "node:crypto";
import type { MessageType, Variables } from "@wa/compliance";
import { refuse } from "./refusal.js";
import type { OutboundContent, OutboundRequest, Refused } from "./types.js";

export const DEFAULT_CHANNEL = "whatsapp";
const MAX_TEXT = 4096;
const MAX_KEY = 255;

/** A request after argument checks; the number is normalized later by the compliance parse. */
export interface CheckedRequest {
  readonly channel: string;
  readonly messageType: MessageType;
  readonly content: OutboundContent;
  readonly deliverAt: Date | null;
  readonly idempotencyKey: string | null;
}

/** Argument checks that need no I/O: channel, text length, template name, deliver_at window, key. */
export function checkRequest(req: OutboundRequest, now: number, maxScheduleDays: number): CheckedRequest | Refused {
  const channel = req.channel ?? DEFAULT_CHANNEL;
  if (channel !== DEFAULT_CHANNEL) return refuse("INVALID_ARGUMENT", `Channel "${channel}" is not active; only whatsapp is.`, "Omit channel or pass \"whatsapp\".");
  const c = req.content;
  if (c.type === "text") {
    if (typeof c.text !== "string" || c.text.length < 1 || c.text.length > MAX_TEXT) {
      return refuse("INVALID_ARGUMENT", `A text message must have 1–${MAX_TEXT} characters.`, "Shorten or fill in the text.");
    }
  } else if (c.type === "template") {
    if (typeof c.template_name !== "string" || c.template_name.trim() === "") {
      return refuse("INVALID_ARGUMENT", "A template message needs template_name.", "Pass an approved template's name (list_templates).");
    }
  } else {
    return refuse("INVALID_ARGUMENT", "content.type must be \"text\" or \"template\".", "Send text with send_message or a template with send_template.");
  }
  const key = req.idempotency_key ?? null;
  if (key !== null && (key.length < 1 || key.length > MAX_KEY)) {
    return refuse("INVALID_ARGUMENT", `idempotency_key must have 1–${MAX_KEY} characters.`, "Use a short unique string per intended message.");
  }
  const messageType: MessageType = req.message_type ?? (c.type === "text" ? "service" : "template");
  if (c.type === "text" && messageType !== "service") {
    return refuse("INVALID_ARGUMENT", `Free-form text can only be a service message, not ${messageType}.`, "Send marketing, utility and authentication content as a template (send_template).");
  }
  let deliverAt: Date | null = null;
  if (req.deliver_at !== undefined) {
    deliverAt = new Date(req.deliver_at);
    const t = deliverAt.getTime();
    if (Number.isNaN(t)) return refuse("INVALID_ARGUMENT", "deliver_at is not a valid RFC 3339 time.", "Pass e.g. 2026-12-01T09:00:00Z.");
    if (t <= now) return refuse("INVALID_ARGUMENT", "deliver_at is in the past.", "Pass a future time, or send now with send_message/send_template.");
    if (t > now + maxScheduleDays * 86_400_000) {
      return refuse("INVALID_ARGUMENT", `deliver_at is more than ${maxScheduleDays} days ahead.`, `Schedule at most ${maxScheduleDays} days ahead.`);
    }
  }
  return { channel, messageType, content: c, deliverAt, idempotencyKey: key };
}

/** Stored content (jsonb) and columns for one message. */
export function storedContent(c: OutboundContent, replyToWamid: string | null): Record<string, unknown> {
  if (c.type === "text") {
    return { type: "text", text: c.text, preview_url: c.preview_url ?? false, ...(replyToWamid ? { reply_to_wamid: replyToWamid } : {}), ...(c.reply_to_message_id ? { reply_to_message_id: c.reply_to_message_id } : {}) };
  }
  return { type: "template", template_name: c.template_name.trim(), locale: c.locale ?? "en", variables: c.variables ?? [] };
}

/** What makes two requests "the same" for an idempotency key: recipient, channel, type, content, time. */
export function requestHash(customerId: string, r: CheckedRequest): string {
  const c = r.content;
  const content = c.type === "text"
    ? { type: "text", text: c.text, preview_url: c.preview_url ?? false, reply_to: c.reply_to_message_id ?? null }
    : { type: "template", name: c.template_name.trim(), locale: c.locale ?? "en", variables: canonical(c.variables ?? []) };
  const body = JSON.stringify({ to: customerId, channel: r.channel, type: r.messageType, content, deliver_at: r.deliverAt?.toISOString() ?? null });
  return createHash("sha256").update(body).digest("hex");
}

function canonical(v: Variables): unknown {
  if (Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).toSorted(([a], [b]) => a.localeCompare(b)));
}
