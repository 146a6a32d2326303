import { createHash } from "node:crypto";
import { isRefusal, refuse } from "@wa/contract";
import { MEDIA_MAX_BYTES } from "@wa/meta";
import { sql } from "kysely";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { fromNumber, fromOut, fromShape, numberOfMessage, resolveFrom } from "./from-number.js";
import { saveMedia } from "./media-files.js";
import { metaRefusal } from "./shapes.js";

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

export const getMedia = defineTool({
  name: "get_media",
  title: "Fetch a customer's file",
  description:
    "Downloads the image, video, audio, document or sticker a customer sent (its media_id is in list_messages / wait_for_messages content) through Meta, with the credentials of the business number it was sent to (answered as from; name another number of the same WhatsApp Business Account with from). Small files come back inline as data_base64; larger ones are saved into MEDIA_DIR and path says where. Returns mime_type, sha256, size and the customer's caption. NOT_FOUND: the id is not media a customer sent; take it from list_messages. META_API_ERROR 131052: Meta could not fetch the file from the customer; ask them to send it again. Media older than 30 days is gone at Meta.",
  // Changes nothing at Meta or in the database; a large file is cached in MEDIA_DIR under its media id.
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: {
    media_id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, "a media id is Meta's numeric id, e.g. 1234567890123456")
      .describe("media_id from an inbound message's content."),
    from: fromNumber
      .optional()
      .describe(
        "The business number to fetch it with (phone_number_id or display number). Omit it: the number the customer sent it to.",
      ),
  },
  output: {
    media_id: z.string(),
    message_id: z.string().describe("our id of the inbound message that carried it"),
    customer_id: z.string(),
    media_type: z.string(),
    mime_type: z.string(),
    sha256: z.string().describe("hex SHA-256 of the downloaded bytes"),
    size_bytes: z.number().int(),
    caption: z.string().nullable(),
    filename: z.string().nullable().describe("the customer's name for a document"),
    data_base64: z.string().nullable().describe("the bytes, when size_bytes ≤ MEDIA_INLINE_MAX_BYTES"),
    path: z.string().nullable().describe("where the file was saved, when it is larger"),
    from: fromShape.describe("the business number whose token fetched it"),
  },
  run: async ({ media_id, from: named }, deps) => {
    const row = await deps.db
      .selectFrom("messages")
      .select(["id", "customer_id", "kind", "content", "phone_number_id"])
      .where("direction", "=", "inbound")
      .where(sql<boolean>`content #>> '{media,id}' = ${media_id}`) // messages_inbound_media_idx
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    if (!row)
      return refuse(
        "NOT_FOUND",
        `media_id ${media_id} is not media a customer sent to this deployment's numbers.`,
        "Take the media_id from an inbound message in list_messages or wait_for_messages. To send your own file use upload_media and send_media.",
      );
    // Meta keeps a customer's media with the number it was sent to: its WABA's token fetches it.
    const from = named === undefined ? numberOfMessage(deps, row) : await resolveFrom(named, deps);
    if (isRefusal(from)) return from;
    const client = deps.graph.of(from).media;
    const media = (row.content as Obj).media as Obj;
    const info = await client.info(media_id);
    if (!info.ok) return metaRefusal(info.error, "Meta could not give the file");
    const file = await client.download(info.value.url, MEDIA_MAX_BYTES);
    if (!file.ok) return metaRefusal(file.error, "The file could not be downloaded");
    const bytes = file.value;
    const mime = info.value.mimeType.split(";")[0]?.trim() || str(media.mimeType) || "application/octet-stream";
    const inline = bytes.length <= deps.cfg.MEDIA_INLINE_MAX_BYTES;
    return {
      media_id,
      message_id: row.id,
      customer_id: row.customer_id,
      media_type: row.kind,
      mime_type: mime,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size_bytes: bytes.length,
      caption: str(media.caption),
      filename: str(media.filename),
      data_base64: inline ? Buffer.from(bytes).toString("base64") : null,
      path: inline ? null : await saveMedia(deps.cfg.MEDIA_DIR, media_id, mime, bytes),
      from: fromOut(from),
    };
  },
});
