import { open, mkdir, realpath, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { refuse, type Refusal } from "@wa/contract";

const HEAD_BYTES = 4096; // enough for every magic number checkMedia reads

/** A file the agent named, resolved inside MEDIA_DIR (symlinks followed); a path that leaves it is refused. */
export async function fileInMediaDir(
  dir: string,
  path: string,
): Promise<{ ok: true; file: string; size: number } | { ok: false; refusal: Refusal }> {
  const outside = refuse(
    "INVALID_ARGUMENT",
    `path: "${path.slice(0, 120)}" is outside MEDIA_DIR; only files inside it can be uploaded.`,
    `Copy the file into ${dir} and pass its path relative to that folder, or send the bytes as data_base64.`,
  );
  const root = await realpath(dir).catch(() => null);
  if (root === null)
    return {
      ok: false,
      refusal: refuse(
        "INVALID_ARGUMENT",
        `path: MEDIA_DIR (${dir}) does not exist on this machine.`,
        "Ask the operator to create MEDIA_DIR, or send the bytes as data_base64.",
      ),
    };
  const file = await realpath(resolve(root, path)).catch(() => null);
  if (file === null) {
    if (!inside(root, resolve(root, path))) return { ok: false, refusal: outside };
    return {
      ok: false,
      refusal: refuse(
        "INVALID_ARGUMENT",
        `path: no file "${path.slice(0, 120)}" in MEDIA_DIR.`,
        `Check the name; MEDIA_DIR is ${dir}.`,
      ),
    };
  }
  if (!inside(root, file)) return { ok: false, refusal: outside };
  const st = await stat(file);
  if (!st.isFile())
    return {
      ok: false,
      refusal: refuse(
        "INVALID_ARGUMENT",
        `path: "${path.slice(0, 120)}" is not a file.`,
        "Name a file inside MEDIA_DIR.",
      ),
    };
  return { ok: true, file, size: st.size };
}

function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

export async function readHead(file: string): Promise<Uint8Array> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const EXT: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "video/mp4": "mp4",
  "video/3gpp": "3gp",
  "audio/aac": "aac",
  "audio/amr": "amr",
  "audio/mpeg": "mp3",
  "audio/mp4": "m4a",
  "audio/ogg": "ogg",
  "application/pdf": "pdf",
  "text/plain": "txt",
};

/** Saves downloaded media as MEDIA_DIR/<media_id>.<ext>; the name never comes from the customer. */
export async function saveMedia(dir: string, mediaId: string, mime: string, bytes: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(resolve(dir), `${mediaId.replace(/[^A-Za-z0-9_-]/g, "_")}.${EXT[mime] ?? "bin"}`);
  await writeFile(file, bytes);
  return file;
}
