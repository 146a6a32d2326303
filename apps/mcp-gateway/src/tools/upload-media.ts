import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isRefusal, refuse, type Refusal } from "@wa/contract";
import { writeAudit } from "@wa/db";
import { checkMedia, MEDIA_MAX_BYTES } from "@wa/meta";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";
import { defineTool } from "./define-tool.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";
import { fileInMediaDir, readHead } from "./media-files.js";
import { metaRefusal } from "./shapes.js";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MB = 1024 * 1024;

const invalid = (field: string, explanation: string, action: string): Refusal =>
  refuse("INVALID_ARGUMENT", `${field}: ${explanation}.`, action);

export const uploadMedia = defineTool({
  name: "upload_media",
  title: "Upload a file to WhatsApp",
  description:
    "Uploads an image, video, audio, document or sticker to Meta and returns its media_id for send_media (valid 30 days). A media_id belongs to the number that uploaded it: upload with the from you will send_media from. Give the bytes as data_base64 with mime_type, or (stdio gateways) a path inside MEDIA_DIR. The type is read from the bytes: a mime_type that does not match them is refused. Meta's limits: image JPEG/PNG 5 MB, video MP4/3GPP 16 MB, audio AAC/AMR/MP3/M4A/OGG 16 MB, document PDF/Office/TXT 100 MB, sticker WebP 100 KB (animated 500 KB). INVALID_ARGUMENT names the field and the limit: fix the file, do not retry as is. META_API_ERROR 131053: Meta could not process the file; re-encode it (e.g. JPEG/MP4 H.264) and upload again.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    data_base64: z
      .string()
      .min(1)
      .optional()
      .describe("The file's bytes, base64. Over stdio keep it below about 7 MB; use path for larger files."),
    mime_type: z
      .string()
      .min(3)
      .max(128)
      .optional()
      .describe(
        "The file's MIME type, e.g. image/jpeg, application/pdf. Required with data_base64; checked against the bytes.",
      ),
    filename: z.string().min(1).max(240).optional().describe("Name shown for a document, e.g. invoice-1001.pdf."),
    path: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe("Instead of data_base64: a file inside MEDIA_DIR (relative to it). Only on a local (stdio) gateway."),
    from: fromNumber
      .optional()
      .describe(
        "The business number that will send the file (phone_number_id or display number); its media_id works only from it. Omit it for the default number.",
      ),
  },
  output: {
    media_id: z.string(),
    media_type: z.enum(["image", "video", "audio", "document", "sticker"]),
    mime_type: z.string(),
    size_bytes: z.number().int(),
    sha256: z.string().describe("hex SHA-256 of the uploaded bytes"),
    filename: z.string().nullable(),
    from: fromShape.describe("the number that uploaded it: send the media_id from this number (from)"),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    if ((input.data_base64 === undefined) === (input.path === undefined))
      return invalid(
        "data_base64",
        "give exactly one of data_base64 or path",
        "Pass the bytes as data_base64 with mime_type, or a path inside MEDIA_DIR.",
      );
    const bytes =
      input.path === undefined
        ? fromBase64(input.data_base64 ?? "", input.mime_type)
        : await fromPath(input.path, input.mime_type, deps);
    if ("refusal" in bytes) return bytes.refusal;
    const checked = bytes.checked;
    const filename = input.filename ?? (input.path ? (input.path.split(/[\\/]/).at(-1) ?? null) : null);
    // Media ids belong to the number that uploaded them: send_media must name the same from.
    const up = await deps.graph.of(from).media.upload({
      bytes: bytes.data,
      mimeType: checked.mimeType,
      filename: filename ?? `upload.${checked.mimeType.split("/")[1] ?? "bin"}`,
    });
    if (!up.ok) return metaRefusal(up.error, "Meta did not take the upload");
    const sha256 = createHash("sha256").update(bytes.data).digest("hex");
    await writeAudit(deps.db, {
      actor: deps.actor,
      action: "media.uploaded",
      subjectType: "media",
      subjectId: up.value.id,
      details: {
        mime_type: checked.mimeType,
        size_bytes: checked.size,
        sha256,
        filename,
        phone_number_id: from.phoneNumberId,
      },
    });
    return {
      media_id: up.value.id,
      media_type: checked.kind,
      mime_type: checked.mimeType,
      size_bytes: checked.size,
      sha256,
      filename,
      from: fromOut(from),
    };
  },
});

type Checked = Extract<ReturnType<typeof checkMedia>, { ok: true }>;
type Loaded = { data: Uint8Array; checked: Checked } | { refusal: Refusal };
type Source = "data_base64" | "path";

/** Meta's rules on the file's head and size; a failure names the argument the file came in. */
function verdict(source: Source, head: Uint8Array, size: number, mime: string | undefined): Checked | Refusal {
  const c = checkMedia(head, size, mime);
  if (c.ok) return c;
  return invalid(
    c.field === "mime_type" ? "mime_type" : source,
    c.explanation,
    "Send a file of a type and size WhatsApp accepts (see the tool description), with its true mime_type.",
  );
}

function fromBase64(data: string, mime: string | undefined): Loaded {
  if (mime === undefined)
    return {
      refusal: invalid("mime_type", "required with data_base64", "Pass the file's MIME type, e.g. image/jpeg."),
    };
  const clean = data.replace(/\s+/g, "");
  if (!BASE64.test(clean) || clean.length % 4 === 1)
    return { refusal: invalid("data_base64", "not valid base64", "Encode the file's bytes as standard base64.") };
  const size = Math.floor((clean.length * 3) / 4) - (clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0);
  if (size > MEDIA_MAX_BYTES)
    return {
      refusal: invalid(
        "data_base64",
        `the file is ${Math.round(size / MB)} MB; Meta accepts at most 100 MB (documents)`,
        "Send a smaller file.",
      ),
    };
  const bytes = Buffer.from(clean, "base64");
  const v = verdict("data_base64", bytes.subarray(0, 4096), bytes.length, mime);
  return isRefusal(v) ? { refusal: v } : { data: bytes, checked: v };
}

async function fromPath(path: string, mime: string | undefined, deps: ToolDeps): Promise<Loaded> {
  if (!deps.localFiles)
    return {
      refusal: invalid(
        "path",
        "files can be read only by a gateway on the agent's machine (stdio)",
        "Send the bytes as data_base64 with mime_type.",
      ),
    };
  const f = await fileInMediaDir(deps.cfg.MEDIA_DIR, path);
  if (!f.ok) return { refusal: f.refusal };
  // The size and type are checked before the file is read: a 120 MB file costs one stat and 4 KB.
  const v = verdict("path", await readHead(f.file), f.size, mime);
  return isRefusal(v) ? { refusal: v } : { data: await readFile(f.file), checked: v };
}
