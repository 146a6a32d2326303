import { z } from "zod";

const MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"] as const;

/** One customer message to inject through POST /_mock/inbound. */
export const inboundSchema = z.object({
  from: z.string().min(1), // phone, or a BSUID for a user known only by it (username, phone hidden)
  user_id: z.string().min(1).optional(), // the sender's BSUID next to the phone (Meta sends both)
  phone_number_id: z.string().optional(),
  name: z.string().optional(), // profile name
  type: z.enum(["text", "button", "interactive", "reaction", "location", "contacts", ...MEDIA_TYPES]).default("text"),
  text: z.string().optional(), // body, caption, button/reply title, location name
  payload: z.string().optional(), // button / interactive reply id
  interactive_type: z.enum(["button_reply", "list_reply"]).default("button_reply"),
  description: z.string().optional(), // list reply row description
  context_id: z.string().optional(), // wamid the customer replies to
  emoji: z.string().optional(),
  // The file a media message carries: mock-meta keeps it and serves it through GET /{media-id} like Graph.
  media: z
    .object({
      data_base64: z.string().min(1),
      mime_type: z.string().min(1),
      filename: z.string().optional(),
      broken: z.boolean().default(false), // Meta could not fetch it: GET /{media-id} answers 131052
    })
    .optional(),
  timestamp: z.number().int().optional(), // unix seconds; an old one opens no window
  id: z.string().optional(),
  message: z.record(z.string(), z.unknown()).optional(), // raw overrides merged into the message object
});

export type InboundInput = z.infer<typeof inboundSchema>;

/** The stored media object a media message points at. */
export interface InboundMediaRef {
  id: string;
  mimeType: string;
  sha256: string;
  filename: string | null;
}

const FALLBACK_MEDIA: InboundMediaRef = {
  id: "1000000000000001",
  mimeType: "image/jpeg",
  sha256: "mock",
  filename: null,
};

function content(i: InboundInput, media: InboundMediaRef | null): Record<string, unknown> {
  const text = i.text ?? "Hello";
  switch (i.type) {
    case "text":
      return { text: { body: text } };
    case "button":
      return { button: { payload: i.payload ?? text, text } };
    case "interactive": {
      const reply = {
        id: i.payload ?? "reply_1",
        title: text,
        ...(i.description === undefined ? {} : { description: i.description }),
      };
      return { interactive: { type: i.interactive_type, [i.interactive_type]: reply } };
    }
    case "reaction":
      return { reaction: { message_id: i.context_id ?? "", emoji: i.emoji ?? "👍" } };
    case "location":
      return { location: { latitude: 52.52, longitude: 13.405, name: text, address: "Mock Street 1, Berlin" } };
    case "contacts":
      return {
        contacts: [
          { name: { formatted_name: text, first_name: text }, phones: [{ phone: "+1 555 0100", type: "CELL" }] },
        ],
      };
    default: {
      const m = media ?? FALLBACK_MEDIA;
      const caption = i.type === "audio" || i.type === "sticker" || i.text === undefined ? {} : { caption: i.text };
      const filename = i.type === "document" ? { filename: m.filename ?? "document.pdf" } : {};
      return {
        [i.type]: { id: m.id, mime_type: m.mimeType, sha256: m.sha256, ...caption, ...filename },
      };
    }
  }
}

/** Builds the `contacts[]` and `messages[]` items Meta sends for one inbound customer message. */
export function inboundMessage(
  i: InboundInput,
  wamid: string,
  sender: { readonly phone: string | null; readonly bsuid: string | null },
  ts: number,
  media: InboundMediaRef | null = null,
): { contact: object; message: object } {
  // A user known only by BSUID: empty wa_id, no `from` (Meta's username case); both ids when both are known.
  const user = sender.bsuid === null ? {} : { user_id: sender.bsuid };
  const contact = { profile: { name: i.name ?? "Mock Customer" }, wa_id: sender.phone ?? "", ...user };
  const fromKey = sender.phone ?? sender.bsuid ?? "";
  const context =
    i.context_id !== undefined && i.type !== "reaction" ? { context: { from: fromKey, id: i.context_id } } : {};
  const message = {
    ...(sender.phone === null ? {} : { from: sender.phone }),
    ...(sender.bsuid === null ? {} : { from_user_id: sender.bsuid }),
    id: wamid,
    timestamp: String(ts),
    ...context,
    type: i.type,
    ...content(i, media),
    ...i.message,
  };
  return { contact, message };
}
