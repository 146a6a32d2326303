import type { Db, MessageRow } from "@wa/db";
import { sql } from "kysely";
import { z } from "zod";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const strOr = (v: unknown): string | null => (typeof v === "string" ? v : null);
const numOr = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** One message as agents read it (list_messages, wait_for_messages, the conversation resources). */
export const messageItem = z.object({
  message_id: z.string(),
  wamid: z.string().nullable(),
  customer_id: z.string(),
  phone_number_id: z
    .string()
    .nullable()
    .describe("The business number it was received on or sent from (reply from it: `from`); null = the default number"),
  direction: z.enum(["inbound", "outbound"]),
  type: z
    .string()
    .describe(
      "text, image, video, audio, document, sticker, interactive, button, location, reaction, contacts, template, …",
    ),
  content: z
    .record(z.string(), z.unknown())
    .describe(
      "text; caption, media_id, mime_type, filename, sha256; reply_id and title of a tapped button or list row; latitude/longitude; emoji and reacted_to; contacts",
    ),
  reply_to: z.string().nullable().describe("wamid the customer replied to (inbound), or the message this one answers"),
  status: z.string(),
  error: z.object({ code: z.number().int().nullable(), title: z.string().nullable() }).nullable(),
  created_at: z.string(),
  received_at: z.string().nullable(),
  sent_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  read_at: z.string().nullable(),
  failed_at: z.string().nullable(),
});
export type MessageItem = z.input<typeof messageItem>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The parts of a stored inbound message an agent needs, without parser internals. */
function inboundContent(kind: string, c: Obj): Obj {
  switch (kind) {
    case "text":
      return { text: strOr(c.body) ?? strOr(c.text) ?? "" };
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker": {
      const m = obj(c.media);
      return {
        media_id: strOr(m.id),
        mime_type: strOr(m.mimeType),
        caption: strOr(m.caption),
        filename: strOr(m.filename),
        sha256: strOr(m.sha256),
        ...(m.voice === true ? { voice: true } : {}),
        ...(m.animated === true ? { animated: true } : {}),
      };
    }
    case "interactive":
      return {
        reply_type: strOr(c.interactiveType),
        reply_id: strOr(c.id),
        title: strOr(c.title),
        description: strOr(c.description),
        ...(c.responseJson ? { response_json: c.responseJson } : {}),
      };
    case "button":
      return { reply_type: "quick_reply", reply_id: strOr(c.payload), title: strOr(c.text) };
    case "location":
      return {
        latitude: numOr(c.latitude),
        longitude: numOr(c.longitude),
        name: strOr(c.name),
        address: strOr(c.address),
        url: strOr(c.url),
      };
    case "reaction":
      return { emoji: strOr(c.emoji) ?? "", reacted_to: strOr(c.messageId) };
    case "contacts":
      return { contacts: Array.isArray(c.contacts) ? c.contacts : [] };
    default:
      return { text: strOr(c.text) };
  }
}

export function toItem(r: MessageRow): MessageItem {
  const c = obj(r.content);
  const inbound = r.direction === "inbound";
  const replyTo = inbound ? strOr(obj(c.context).messageId) : (strOr(c.reply_to_wamid) ?? strOr(c.reply_to_message_id));
  return {
    message_id: r.id,
    wamid: r.wamid,
    customer_id: r.customer_id,
    phone_number_id: r.phone_number_id,
    direction: r.direction,
    type: r.kind,
    content: inbound ? inboundContent(r.kind, c) : c,
    reply_to: replyTo,
    status: r.status,
    error: r.error_code === null && r.error_title === null ? null : { code: r.error_code, title: r.error_title },
    created_at: r.created_at.toISOString(),
    received_at: iso(r.received_at),
    sent_at: iso(r.sent_at),
    delivered_at: iso(r.delivered_at),
    read_at: iso(r.read_at),
    failed_at: iso(r.failed_at),
  };
}

/** Older than this message (by id), or than this time. */
export type Before = { messageId: string } | { at: Date } | null;

/** A conversation, newest first. */
export async function conversationMessages(
  db: Db,
  customerId: string,
  limit: number,
  before: Before,
  channel = "whatsapp", // the business's (accounts): its customers' messages, on all its numbers
): Promise<MessageRow[]> {
  let q = db.selectFrom("messages").selectAll().where("channel", "=", channel).where("customer_id", "=", customerId);
  // Compared in Postgres: created_at has microseconds, a JS Date only milliseconds.
  if (before && "messageId" in before)
    q = q.where(
      sql<boolean>`(created_at, id) < (SELECT m.created_at, m.id FROM messages m WHERE m.id = ${before.messageId})`,
    );
  else if (before) q = q.where("created_at", "<", before.at);
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
}

/** Resolves a message id or wamid of this customer's conversation to our id; null when it is not one. */
export async function messageOf(db: Db, customerId: string, ref: string, channel = "whatsapp"): Promise<string | null> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const row = await db
    .selectFrom("messages")
    .select("id")
    .where("channel", "=", channel)
    .where("customer_id", "=", customerId)
    .where(isUuid ? "id" : "wamid", "=", ref)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** wait_for_messages' cursor: the (created_at in µs since the epoch, id) of the last inbound message handed out. */
export interface Cursor {
  us: string; // bigint as text
  id: string;
}

export const encodeCursor = (c: Cursor): string => `${c.us}.${c.id}`;
export function decodeCursor(text: string): Cursor | null {
  const m = /^(\d{1,20})\.([0-9a-f-]{36})$/i.exec(text);
  return m ? { us: m[1]!, id: m[2]! } : null;
}

const US = sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`;

/** Inbound messages after the cursor, oldest first (so a cursor never skips one); every customer or one. */
export async function inboundAfter(
  db: Db,
  cursor: Cursor,
  limit: number,
  customerId?: string,
): Promise<Array<MessageRow & { us: string }>> {
  let q = db
    .selectFrom("messages")
    .selectAll()
    .select(US.as("us"))
    .where("direction", "=", "inbound")
    .where(
      sql<boolean>`(created_at, id) > (timestamptz 'epoch' + ${cursor.us}::bigint * interval '1 microsecond', ${cursor.id}::uuid)`,
    );
  // Every business's: an agent serving several numbers waits for the customer wherever they write.
  if (customerId !== undefined) q = q.where("customer_id", "=", customerId);
  return q.orderBy("created_at").orderBy("id").limit(limit).execute();
}

/** A cursor at the newest inbound message now: only messages after this call count as new. */
export async function cursorNow(db: Db): Promise<Cursor> {
  const row = await db
    .selectFrom("messages")
    .select(["id", US.as("us")])
    .where("direction", "=", "inbound")
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { us: row.us, id: row.id } : { us: "0", id: "00000000-0000-0000-0000-000000000000" };
}
