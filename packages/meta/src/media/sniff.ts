import { formatBytes, kindOfMime, MEDIA_RULES, type MediaKind, STATIC_STICKER_MAX_BYTES } from "./limits.js";

/** The MIME type the bytes themselves show; the caller's word is never taken for it. */
export interface Sniffed {
  readonly mime: string;
  readonly animated: boolean; // webp with an ANIM chunk
  // OLE2 (doc/xls/ppt) and ZIP (docx/xlsx/pptx) containers share one signature per family: the declared
  // type picks the member, as long as it belongs to the family.
  readonly family?: readonly string[];
}

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};
const starts = (b: Uint8Array, bytes: readonly number[]): boolean => bytes.every((v, i) => b[i] === v);

const OLE = ["application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"] as const;
const OOXML = [
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
] as const;

const one = (mime: string): Sniffed => ({ mime, animated: false });

/** Reads the magic number at the head of a file (64 bytes are enough, except for webp animation). */
export function sniffMime(b: Uint8Array): Sniffed | null {
  if (starts(b, [0xff, 0xd8, 0xff])) return one("image/jpeg");
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return one("image/png");
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return { mime: "image/webp", animated: webpAnimated(b) };
  if (ascii(b, 0, "%PDF-")) return one("application/pdf");
  if (ascii(b, 4, "ftyp")) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    if (brand.startsWith("3gp")) return one("video/3gpp");
    if (brand === "M4A " || brand === "M4B ") return one("audio/mp4");
    return one("video/mp4");
  }
  if (ascii(b, 0, "OggS")) return one("audio/ogg");
  if (ascii(b, 0, "#!AMR")) return one("audio/amr");
  if (ascii(b, 0, "ID3")) return one("audio/mpeg");
  if (b[0] === 0xff && b.length > 1) {
    const x = b[1]! & 0xf6;
    if (x === 0xf0) return one("audio/aac"); // ADTS (MPEG-4/2 AAC, layer bits 00)
    if ((b[1]! & 0xe0) === 0xe0) return one("audio/mpeg"); // MPEG audio frame sync
  }
  if (starts(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    return { mime: OLE[0], animated: false, family: OLE };
  if (starts(b, [0x50, 0x4b, 0x03, 0x04])) return { mime: OOXML[0], animated: false, family: OOXML };
  if (looksLikeText(b)) return one("text/plain");
  return null;
}

function webpAnimated(b: Uint8Array): boolean {
  // VP8X header: flags byte at offset 20, bit 1 = animation.
  return ascii(b, 12, "VP8X") && b.length > 20 && (b[20]! & 0x02) !== 0;
}

function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  if (b.includes(0)) return false;
  try {
    // The head may end inside a multi-byte character: drop up to 3 trailing bytes before judging.
    new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(0, Math.max(1, b.length - 3)));
    return true;
  } catch {
    return false;
  }
}

export type MediaCheck =
  | { ok: true; mimeType: string; kind: MediaKind; size: number }
  | { ok: false; field: "mime_type" | "data" | "size"; explanation: string };

/**
 * Checks a file against Meta's media rules: the type comes from the bytes (`head`), the declared one must agree,
 * and the size must fit the type's limit. `size` is the whole file's, so a huge file need not be read.
 */
export function checkMedia(head: Uint8Array, size: number, declared?: string): MediaCheck {
  if (size === 0) return { ok: false, field: "size", explanation: "the file is empty" };
  const sniffed = sniffMime(head);
  const want = declared?.split(";")[0]?.trim().toLowerCase();
  if (sniffed === null) {
    return {
      ok: false,
      field: "data",
      explanation: `the bytes are not a type WhatsApp accepts (JPEG, PNG, WebP sticker, MP4/3GPP video, AAC/AMR/MP3/M4A/OGG audio, PDF, Office or plain-text document)${want ? `; they are not ${want}` : ""}`,
    };
  }
  let mime = sniffed.mime;
  if (want !== undefined && want !== "" && want !== mime) {
    if (sniffed.family?.includes(want)) mime = want;
    else
      return {
        ok: false,
        field: "mime_type",
        explanation: `mime_type says ${want} but the bytes are ${describe(sniffed)}`,
      };
  }
  const kind = kindOfMime(mime);
  if (kind === null) return { ok: false, field: "mime_type", explanation: `${mime} is not a type WhatsApp accepts` };
  const max = kind === "sticker" && !sniffed.animated ? STATIC_STICKER_MAX_BYTES : MEDIA_RULES[kind].maxBytes;
  if (size > max) {
    const what = kind === "sticker" ? `${sniffed.animated ? "animated" : "static"} stickers` : `${kind}s`;
    return {
      ok: false,
      field: "size",
      explanation: `the ${kind} is ${formatBytes(size)} (${size} bytes); Meta accepts ${what} up to ${formatBytes(max)}`,
    };
  }
  return { ok: true, mimeType: mime, kind, size };
}

function describe(s: Sniffed): string {
  return s.family ? `an ${s.family === OLE ? "Office 97-2003" : "Office Open XML (or other ZIP)"} file` : s.mime;
}
