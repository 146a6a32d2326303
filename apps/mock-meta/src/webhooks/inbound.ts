import { z } from "zod";

/** One customer message to inject through POST /_mock/inbound. */
export const inboundSchema = z.object({
  from: z.string().min(1),
  phone_number_id: z.string().optional(),
  name: z.string().optional(), // profile name
  type: z.enum(["text", "button", "interactive", "reaction", "image", "location"]).default("text"),
  text: z.string().optional(),
  payload: z.string().optional(), // button / interactive reply id
  context_id: z.string().optional(), // wamid the customer replies to
  emoji: z.string().optional(),
  timestamp: z.number().int().optional(), // unix seconds; an old one opens no window
  id: z.string().optional(),
  message: z.record(z.string(), z.unknown()).optional(), // raw overrides merged into the message object
});

export type InboundInput = z.infer<typeof inboundSchema>;

function content(i: InboundInput): Record<string, unknown> {
  const text = i.text ?? "Hello";
  const reply = { id: i.payload ?? "reply_1", title: text };
  switch (i.type) {
    case "text":
      return { text: { body: text } };
    case "button":
      return { button: { payload: i.payload ?? text, text } };
    case "interactive":
      return { interactive: { type: "button_reply", button_reply: reply } };
    case "reaction":
      return { reaction: { message_id: i.context_id ?? "", emoji: i.emoji ?? "👍" } };
    case "image":
      return { image: { caption: text, mime_type: "image/jpeg", sha256: "mock", id: "1000000000000001" } };
    case "location":
      return { location: { latitude: 52.52, longitude: 13.405, name: text } };
  }
}

/** Builds the `contacts[]` and `messages[]` items Meta sends for one inbound customer message. */
export function inboundMessage(i: InboundInput, wamid: string, fromKey: string, ts: number): { contact: object; message: object } {
  const contact = { profile: { name: i.name ?? "Mock Customer" }, wa_id: fromKey };
  const context = i.context_id !== undefined && i.type !== "reaction" ? { context: { from: fromKey, id: i.context_id } } : {};
  const message = {
    from: fromKey,
    id: wamid,
    timestamp: String(ts),
    ...context,
    type: i.type,
    ...content(i),
    ...i.message,
  };
  return { contact, message };
}
