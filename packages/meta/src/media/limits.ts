/** What Meta accepts per media type (Cloud API "Supported media types"). */
export type MediaKind = "image" | "video" | "audio" | "document" | "sticker";

const MB = 1024 * 1024;

interface KindRule {
  readonly maxBytes: number;
  readonly mimeTypes: readonly string[];
}

export const MEDIA_RULES: Readonly<Record<MediaKind, KindRule>> = Object.freeze({
  image: { maxBytes: 5 * MB, mimeTypes: ["image/jpeg", "image/png"] },
  video: { maxBytes: 16 * MB, mimeTypes: ["video/mp4", "video/3gpp"] },
  audio: { maxBytes: 16 * MB, mimeTypes: ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"] },
  document: {
    maxBytes: 100 * MB,
    mimeTypes: [
      "application/pdf",
      "text/plain",
      "application/msword",
      "application/vnd.ms-excel",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
  },
  sticker: { maxBytes: 500 * 1024, mimeTypes: ["image/webp"] }, // animated; a static sticker may be 100 KB
});

export const STATIC_STICKER_MAX_BYTES = 100 * 1024;

/** The largest file Meta takes of any type: anything above it is refused before a byte is read. */
export const MEDIA_MAX_BYTES = 100 * MB;

/** The media type a MIME type is sent as; null when Meta does not accept it. */
export function kindOfMime(mime: string): MediaKind | null {
  for (const [kind, rule] of Object.entries(MEDIA_RULES) as [MediaKind, KindRule][])
    if (rule.mimeTypes.includes(mime)) return kind;
  return null;
}

export function formatBytes(n: number): string {
  if (n >= MB) return `${Math.round((n / MB) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
