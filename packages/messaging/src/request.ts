import { DAY_MS, DEFAULT_CHANNEL } from "@wa/config";
import { createHash } from "node:crypto";
import type { MessageType, TemplateParts, Variables } from "@wa/compliance";
import { type Refusal, refuse } from "@wa/contract";
import type { RichContent } from "@wa/meta";
import { checkRichContent } from "./content-checks.js";
import { partsArgumentProblem } from "./template-parts.js";
import type { OutboundContent, OutboundRequest } from "./types.js";

const MAX_TEXT = 4096;
const MAX_KEY = 255;

/** A request after argument checks; the number is normalized later by the compliance parse. */
export interface CheckedRequest {
  readonly channel: string; // the sending number's business channel (customers, consent, caps)
  readonly phoneNumberId: string | null; // the sending number; null: the default one
  readonly messageType: MessageType;
  readonly content: OutboundContent;
  readonly deliverAt: Date | null;
  readonly idempotencyKey: string | null;
}

/** Argument checks that need no I/O: channel, text length, template name, deliver_at window, key. */
export function checkRequest(req: OutboundRequest, now: number, maxScheduleDays: number): CheckedRequest | Refusal {
  const product = req.channel ?? DEFAULT_CHANNEL;
  if (product !== DEFAULT_CHANNEL)
    return refuse(
      "INVALID_ARGUMENT",
      `Channel "${product}" is not active; only whatsapp is.`,
      'Omit channel or pass "whatsapp".',
    );
  const from = req.from;
  if (from !== undefined && (!/^\d{1,32}$/.test(from.phone_number_id) || !BUSINESS_CHANNEL.test(from.channel)))
    return refuse(
      "INVALID_ARGUMENT",
      "from must name a business number (digits) and its business channel (whatsapp or whatsapp:<business_id>).",
      "Omit from to send from the default number.",
    );
  const channel = from?.channel ?? DEFAULT_CHANNEL;
  const phoneNumberId = from?.phone_number_id ?? null;
  const c = req.content;
  if (c.type === "text") {
    if (typeof c.text !== "string" || c.text.length < 1 || c.text.length > MAX_TEXT) {
      return refuse(
        "INVALID_ARGUMENT",
        `A text message must have 1–${MAX_TEXT} characters.`,
        "Shorten or fill in the text.",
      );
    }
  } else if (c.type === "template") {
    if (typeof c.template_name !== "string" || c.template_name.trim() === "") {
      return refuse(
        "INVALID_ARGUMENT",
        "A template message needs template_name.",
        "Pass an approved template's name (list_templates).",
      );
    }
    const parts = partsArgumentProblem(c);
    if (parts) return parts;
  } else if (RICH.has(c.type)) {
    const bad = checkRichContent(c);
    if (bad) return bad;
  } else {
    return refuse(
      "INVALID_ARGUMENT",
      'content.type must be "text", "template", "media", "interactive", "location" or "reaction".',
      "Send text with send_message, a template with send_template, media with send_media.",
    );
  }
  const key = req.idempotency_key ?? null;
  if (key !== null && (key.length < 1 || key.length > MAX_KEY)) {
    return refuse(
      "INVALID_ARGUMENT",
      `idempotency_key must have 1–${MAX_KEY} characters.`,
      "Use a short unique string per intended message.",
    );
  }
  const messageType: MessageType = req.message_type ?? (c.type === "template" ? "template" : "service");
  if (c.type !== "template" && messageType !== "service") {
    return refuse(
      "INVALID_ARGUMENT",
      `Free-form ${c.type} can only be a service message, not ${messageType}.`,
      "Send marketing, utility and authentication content as a template (send_template).",
    );
  }
  let deliverAt: Date | null = null;
  if (req.deliver_at !== undefined) {
    deliverAt = new Date(req.deliver_at);
    const t = deliverAt.getTime();
    if (Number.isNaN(t))
      return refuse("INVALID_ARGUMENT", "deliver_at is not a valid RFC 3339 time.", "Pass e.g. 2026-12-01T09:00:00Z.");
    if (t <= now)
      return refuse(
        "INVALID_ARGUMENT",
        "deliver_at is in the past.",
        "Pass a future time, or send now with send_message/send_template.",
      );
    if (t > now + maxScheduleDays * DAY_MS) {
      return refuse(
        "INVALID_ARGUMENT",
        `deliver_at is more than ${maxScheduleDays} days ahead.`,
        `Schedule at most ${maxScheduleDays} days ahead.`,
      );
    }
  }
  return { channel, phoneNumberId, messageType, content: c, deliverAt, idempotencyKey: key };
}

const BUSINESS_CHANNEL = /^whatsapp(:[a-z0-9][a-z0-9_-]{0,39})?$/;

const RICH: ReadonlySet<string> = new Set<RichContent["type"]>(["media", "interactive", "location", "reaction"]);

/** The messages.kind column: Meta's message type (image, interactive, ...). */
export function kindOf(c: OutboundContent): string {
  return c.type === "media" ? c.media_type : c.type;
}

/** Stored content (jsonb) and columns for one message. */
export function storedContent(
  c: OutboundContent,
  replyToWamid: string | null,
  parts?: TemplateParts,
): Record<string, unknown> {
  if (c.type === "text") {
    return {
      type: "text",
      text: c.text,
      preview_url: c.preview_url ?? false,
      ...(replyToWamid ? { reply_to_wamid: replyToWamid } : {}),
      ...(c.reply_to_message_id ? { reply_to_message_id: c.reply_to_message_id } : {}),
    };
  }
  if (c.type !== "template") return { ...c };
  return {
    type: "template",
    template_name: c.template_name.trim(),
    locale: c.locale ?? "en",
    variables: c.variables ?? [],
    ...storedTemplateParts(
      parts ?? { ...(c.header ? { header: c.header } : {}), ...(c.buttons ? { buttons: c.buttons } : {}) },
    ),
  };
}

/** A template row's content: the request's, with the header and buttons as rule 5 resolved them for Meta. */
function storedTemplateParts(parts: TemplateParts | undefined): Record<string, unknown> {
  return {
    ...(parts?.header ? { header: parts.header } : {}),
    ...(parts?.buttons?.length ? { buttons: parts.buttons } : {}),
  };
}

/** What makes two requests "the same" for an idempotency key: recipient, channel, number, type, content, time. */
export function requestHash(customerId: string, r: CheckedRequest): string {
  const c = r.content;
  const content =
    c.type === "text"
      ? { type: "text", text: c.text, preview_url: c.preview_url ?? false, reply_to: c.reply_to_message_id ?? null }
      : c.type === "template"
        ? {
            type: "template",
            name: c.template_name.trim(),
            locale: c.locale ?? "en",
            variables: canonical(c.variables ?? []),
            header: c.header ?? null,
            buttons: c.buttons ? c.buttons.toSorted((a, b) => a.index - b.index) : null,
          }
        : sortedDeep(c);
  const body = JSON.stringify({
    to: customerId,
    channel: r.channel,
    ...(r.phoneNumberId === null ? {} : { from: r.phoneNumberId }), // absent: the hash of a request from before numbers
    type: r.messageType,
    content,
    deliver_at: r.deliverAt?.toISOString() ?? null,
  });
  return createHash("sha256").update(body).digest("hex");
}

/** Key order must not make two equal requests differ. */
function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .toSorted(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => [k, sortedDeep(x)]),
  );
}

function canonical(v: Variables): unknown {
  if (Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).toSorted(([a], [b]) => a.localeCompare(b)));
}
