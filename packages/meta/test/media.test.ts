import { describe, expect, it } from "vitest";
import { checkMedia, createMediaClient, sniffMime } from "../src/index.js";

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const MB = 1024 * 1024;

const SAMPLES = {
  jpeg: bytes([0xff, 0xd8, 0xff, 0xe0], "\0\x10JFIF\0"),
  png: bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "\0\0\0\rIHDR"),
  webp: bytes("RIFF\x24\0\0\0WEBPVP8 "),
  webpAnimated: bytes("RIFF\x24\0\0\0WEBPVP8X", [10, 0, 0, 0, 0x02, 0, 0, 0]),
  pdf: bytes("%PDF-1.7\n"),
  mp4: bytes([0, 0, 0, 0x18], "ftypisom"),
  threeGp: bytes([0, 0, 0, 0x18], "ftyp3gp5"),
  m4a: bytes([0, 0, 0, 0x18], "ftypM4A "),
  ogg: bytes("OggS\0\x02"),
  amr: bytes("#!AMR\n"),
  mp3: bytes("ID3\x04\0"),
  aac: bytes([0xff, 0xf1, 0x50, 0x80]),
  doc: bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
  docx: bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0]),
  text: new Uint8Array(Buffer.from("Order 1001: 2 × mug\n", "utf8")),
};

describe("sniffMime reads the type from the bytes", () => {
  it.each([
    ["jpeg", "image/jpeg"],
    ["png", "image/png"],
    ["webp", "image/webp"],
    ["pdf", "application/pdf"],
    ["mp4", "video/mp4"],
    ["threeGp", "video/3gpp"],
    ["m4a", "audio/mp4"],
    ["ogg", "audio/ogg"],
    ["amr", "audio/amr"],
    ["mp3", "audio/mpeg"],
    ["aac", "audio/aac"],
    ["text", "text/plain"],
  ] as const)("%s → %s", (name, mime) => {
    expect(sniffMime(SAMPLES[name])?.mime).toBe(mime);
  });

  it("knows an animated webp and refuses unknown binary", () => {
    expect(sniffMime(SAMPLES.webpAnimated)).toMatchObject({ mime: "image/webp", animated: true });
    expect(sniffMime(bytes([0x00, 0x01, 0x02, 0xfe]))).toBeNull();
  });
});

describe("checkMedia: Meta's types and per-type limits, the caller's mime_type checked against the bytes", () => {
  it("accepts a JPEG as an image and a PDF as a document", () => {
    expect(checkMedia(SAMPLES.jpeg, 1000, "image/jpeg")).toEqual({
      ok: true,
      mimeType: "image/jpeg",
      kind: "image",
      size: 1000,
    });
    expect(checkMedia(SAMPLES.pdf, 10 * MB)).toMatchObject({ ok: true, kind: "document" });
  });

  it("refuses a PDF announced as an image, naming both", () => {
    const r = checkMedia(SAMPLES.pdf, 1000, "image/jpeg");
    expect(r).toMatchObject({ ok: false, field: "mime_type" });
    expect(!r.ok && r.explanation).toMatch(/image\/jpeg.*application\/pdf/);
  });

  it("takes the declared member of an Office family, but not a stranger to it", () => {
    const word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    expect(checkMedia(SAMPLES.docx, 100, word)).toMatchObject({ ok: true, mimeType: word, kind: "document" });
    expect(checkMedia(SAMPLES.doc, 100, "application/vnd.ms-excel")).toMatchObject({ ok: true, kind: "document" });
    expect(checkMedia(SAMPLES.docx, 100, "application/msword")).toMatchObject({ ok: false, field: "mime_type" });
  });

  it.each([
    ["an image over 5 MB", SAMPLES.png, 5 * MB + 1, /5 MB/],
    ["a video over 16 MB", SAMPLES.mp4, 17 * MB, /16 MB/],
    ["an audio file over 16 MB", SAMPLES.ogg, 16 * MB + 1, /16 MB/],
    ["a document of 120 MB", SAMPLES.pdf, 120 * MB, /120 MB.*100 MB/],
    ["a static sticker over 100 KB", SAMPLES.webp, 101 * 1024, /static stickers up to 100 KB/],
    ["an animated sticker over 500 KB", SAMPLES.webpAnimated, 501 * 1024, /animated stickers up to 500 KB/],
  ] as const)("refuses %s", (_name, head, size, why) => {
    const r = checkMedia(head, size);
    expect(r).toMatchObject({ ok: false, field: "size" });
    expect(!r.ok && r.explanation).toMatch(why);
  });

  it("refuses an empty file and bytes of no accepted type", () => {
    expect(checkMedia(new Uint8Array(), 0, "image/png")).toMatchObject({ ok: false, field: "size" });
    expect(checkMedia(bytes([0, 1, 2, 3]), 4, "image/png")).toMatchObject({ ok: false, field: "data" });
  });
});

describe("createMediaClient", () => {
  it("sends the token to no plain-http host but the Graph origin", async () => {
    let fetched = 0;
    const client = createMediaClient({
      baseUrl: "http://127.0.0.1:9",
      version: "v25.0",
      accessToken: "secret-token",
      phoneNumberId: "1",
      fetch: async () => {
        fetched += 1;
        return new Response("x");
      },
    });
    const r = await client.download("http://cdn.example.net/m?mid=1", 100);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain("secret-token");
    expect(fetched).toBe(0);
    expect((await client.download("http://127.0.0.1:9/whatsapp_business/attachments/?mid=1", 100)).ok).toBe(true);
    expect((await client.download("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", 100)).ok).toBe(
      true,
    );
    const big = await client.download("https://lookaside.fbsbx.com/x", 0);
    expect(big.ok).toBe(false);
  });
});
