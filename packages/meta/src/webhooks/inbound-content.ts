import { arr, bool, num, obj, str, type Obj } from "./read.js";
import type { InboundContent, InboundMedia } from "./types.js";

const MEDIA = new Set(["image", "video", "audio", "document", "sticker"]);

function media(m: Obj): InboundMedia {
  return {
    id: str(m.id),
    mimeType: str(m.mime_type),
    sha256: str(m.sha256),
    caption: str(m.caption),
    filename: str(m.filename),
    voice: bool(m.voice),
    animated: bool(m.animated),
    url: str(m.url),
  };
}

function interactive(i: Obj): InboundContent {
  const interactiveType = str(i.type) ?? "unknown";
  const reply = obj(i[interactiveType]) ?? {};
  return {
    type: "interactive",
    interactiveType,
    id: str(reply.id),
    title: str(reply.title) ?? str(reply.name),
    description: str(reply.description) ?? str(reply.body),
    responseJson: typeof reply.response_json === "string" ? reply.response_json : null,
  };
}

/** Reads the type-specific part of an inbound message (also used for the inner message of `edit`). */
export function inboundContent(m: Obj): InboundContent {
  const type = str(m.type) ?? "unknown";
  const part = obj(m[type]) ?? {};
  if (type === "text") return { type, body: typeof part.body === "string" ? part.body : "" };
  if (MEDIA.has(type))
    return { type: type as "image" | "video" | "audio" | "document" | "sticker", media: media(part) };
  switch (type) {
    case "location":
      return {
        type,
        latitude: num(part.latitude),
        longitude: num(part.longitude),
        name: str(part.name),
        address: str(part.address),
        url: str(part.url),
      };
    case "contacts":
      return { type, contacts: arr(m.contacts) };
    case "reaction":
      return { type, messageId: str(part.message_id), emoji: str(part.emoji) };
    case "interactive":
      return interactive(part);
    case "button":
      return { type, payload: str(part.payload), text: str(part.text) };
    case "order":
      return { type, catalogId: str(part.catalog_id), text: str(part.text), productItems: arr(part.product_items) };
    case "system":
      return {
        type,
        systemType: str(part.type),
        body: str(part.body),
        newWaId: str(part.wa_id) ?? str(part.new_wa_id),
        userId: str(part.user_id),
        previousUserId: str(part.previous_user_id),
      };
    case "request_welcome":
    case "unsupported":
      return { type };
    case "edit": {
      const inner = obj(part.message);
      return { type, originalMessageId: str(part.original_message_id), edited: inner ? inboundContent(inner) : null };
    }
    case "revoke":
      return { type, originalMessageId: str(part.original_message_id) };
    default:
      return { type: "unknown", rawType: type };
  }
}

/** The words a user typed or tapped, for keyword rules such as STOP; null when there are none. */
export function textOf(c: InboundContent): string | null {
  switch (c.type) {
    case "text":
      return c.body;
    case "button":
      return c.text ?? c.payload;
    case "interactive":
      return c.title;
    case "image":
    case "video":
    case "document":
      return c.media.caption;
    case "edit":
      return c.edited ? textOf(c.edited) : null;
    default:
      return null;
  }
}
