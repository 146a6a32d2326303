import { createHash, randomBytes } from "node:crypto";

/** One stored media object: uploaded by the business, or sent by a customer (inbound). */
interface MediaObject {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly mimeType: string;
  readonly sha256: string; // hex
  readonly filename: string | null;
  readonly phoneNumberId: string;
  readonly token: string; // the download URL's hash: a URL is only good for the object it was made for
  readonly broken: boolean; // Meta could not fetch it from the user: GET /{id} answers 131052
}

const MB = 1024 * 1024;

/** Graph's supported media types and their size caps (the sticker cap is the animated one). */
export const MEDIA_TYPES: Readonly<Record<string, number>> = {
  "image/jpeg": 5 * MB,
  "image/png": 5 * MB,
  "image/webp": 500 * 1024,
  "video/mp4": 16 * MB,
  "video/3gpp": 16 * MB,
  "audio/aac": 16 * MB,
  "audio/amr": 16 * MB,
  "audio/mpeg": 16 * MB,
  "audio/mp4": 16 * MB,
  "audio/ogg": 16 * MB,
  "application/pdf": 100 * MB,
  "text/plain": 100 * MB,
  "application/msword": 100 * MB,
  "application/vnd.ms-excel": 100 * MB,
  "application/vnd.ms-powerpoint": 100 * MB,
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * MB,
};

export interface MediaStore {
  add(o: Omit<MediaObject, "id" | "sha256" | "token"> & { id?: string }): MediaObject;
  get(id: string): MediaObject | undefined;
  /** Media ids whose next GET /{id} fails with this code (131052/131053), for tests. */
  readonly failNext: Map<string, number>;
  clear(): void;
}

export function createMediaStore(firstId: number): MediaStore {
  const objects = new Map<string, MediaObject>();
  const failNext = new Map<string, number>();
  let next = firstId;
  return {
    add(o) {
      next += 1;
      const id = o.id ?? String(next);
      const obj: MediaObject = {
        ...o,
        id,
        sha256: createHash("sha256").update(o.bytes).digest("hex"),
        token: randomBytes(12).toString("hex"),
      };
      objects.set(id, obj);
      return obj;
    },
    get: (id) => objects.get(id),
    failNext,
    clear() {
      objects.clear();
      failNext.clear();
    },
  };
}
