import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupEnv, type Env, type Gateway } from "./harness.js";
import { startInboundPipe } from "./inbound-pipe.js";

let env: Env;
let gw: Gateway;
let pipe: Awaited<ReturnType<typeof startInboundPipe>>;
let dir: string;

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from("JFIF photo of a mug")]);
const PDF = Buffer.from("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n");
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const CUSTOMER = "447700900311";

beforeAll(async () => {
  env = await setupEnv();
  dir = mkdtempSync(join(tmpdir(), "wa-media-"));
  gw = await env.gateway({ MEDIA_DIR: dir, MEDIA_INLINE_MAX_BYTES: "1024" });
  pipe = await startInboundPipe({
    db: gw.clients.deps.db,
    metaUrl: env.meta.url,
    names: gw.clients.deps.cfg,
    accounts: gw.clients.deps.accounts,
  });
});
afterAll(async () => {
  await pipe?.close();
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function mockMedia(id: string): Promise<{ sha256: string; mime_type: string }> {
  const res = await fetch(`${env.meta.url}/v25.0/${id}`, { headers: { authorization: "Bearer mock-token" } });
  return (await res.json()) as { sha256: string; mime_type: string };
}

describe("upload_media", () => {
  it("uploads base64 bytes: Meta holds the same bytes, the audit names the actor", async () => {
    const r = await gw.call("upload_media", { data_base64: JPEG.toString("base64"), mime_type: "image/jpeg" });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      media_type: "image",
      mime_type: "image/jpeg",
      size_bytes: JPEG.length,
      sha256: sha(JPEG),
    });
    const id = r.structured.media_id as string;
    expect(await mockMedia(id)).toMatchObject({ sha256: sha(JPEG), mime_type: "image/jpeg" });
    const audit = await gw.clients.deps.db
      .selectFrom("audit_logs")
      .selectAll()
      .where("subject_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: "agent", action: "media.uploaded", subject_type: "media" });
    expect(JSON.stringify(r.raw)).not.toContain("mock-token");
  });

  it("uploads a file inside MEDIA_DIR, typed from its bytes, named after it", async () => {
    writeFileSync(join(dir, "invoice-1001.pdf"), PDF);
    const r = await gw.call("upload_media", { path: "invoice-1001.pdf" });
    expect(r.structured).toMatchObject({
      media_type: "document",
      mime_type: "application/pdf",
      filename: "invoice-1001.pdf",
    });
    expect((await mockMedia(r.structured.media_id as string)).sha256).toBe(sha(PDF));
  });

  it("refuses a path that leaves MEDIA_DIR, directly or through a symlink", async () => {
    for (const path of ["../../etc/passwd", "/etc/passwd"]) {
      const r = await gw.call("upload_media", { path });
      expect(r.structured.reason_code).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(/outside MEDIA_DIR/);
    }
    symlinkSync("/etc/hostname", join(dir, "innocent.txt"));
    const r = await gw.call("upload_media", { path: "innocent.txt" });
    expect(r.structured.human_explanation).toMatch(/outside MEDIA_DIR/);
  });

  it("refuses a PDF announced as an image (the bytes decide)", async () => {
    const r = await gw.call("upload_media", { data_base64: PDF.toString("base64"), mime_type: "image/jpeg" });
    expect(r.structured.reason_code).toBe("INVALID_ARGUMENT");
    expect(r.structured.human_explanation).toMatch(/mime_type: .*image\/jpeg.*application\/pdf/);
  });

  it("refuses a 120 MB document before reading it, naming Meta's 100 MB limit", async () => {
    const file = join(dir, "huge.pdf");
    writeFileSync(file, PDF);
    truncateSync(file, 120 * 1024 * 1024); // sparse: costs no disk
    const r = await gw.call("upload_media", { path: "huge.pdf" });
    expect(r.structured.reason_code).toBe("INVALID_ARGUMENT");
    expect(r.structured.human_explanation).toMatch(
      /path: the document is 120 MB \(125829120 bytes\); Meta accepts documents up to 100 MB/,
    );
  });

  it("refuses an image above 5 MB", async () => {
    const big = Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024)]);
    const r = await gw.call("upload_media", { data_base64: big.toString("base64"), mime_type: "image/jpeg" });
    expect(r.structured.human_explanation).toMatch(
      /data_base64: the image is 5 MB \(\d+ bytes\); Meta accepts images up to 5 MB/,
    );
  });

  it("asks for exactly one source, a mime_type with base64, and valid base64", async () => {
    expect((await gw.call("upload_media", {})).structured.human_explanation).toMatch(
      /exactly one of data_base64 or path/,
    );
    expect((await gw.call("upload_media", { data_base64: "AAAA" })).structured.human_explanation).toMatch(
      /mime_type: required/,
    );
    expect(
      (await gw.call("upload_media", { data_base64: "not base64!", mime_type: "image/png" })).structured
        .human_explanation,
    ).toMatch(/not valid base64/);
  });

  it("reads no file for a gateway that is not on the agent's machine", async () => {
    gw.clients.deps.localFiles = false;
    try {
      const r = await gw.call("upload_media", { path: "invoice-1001.pdf" });
      expect(r.structured.human_explanation).toMatch(
        /path: files can be read only by a gateway on the agent's machine/,
      );
    } finally {
      gw.clients.deps.localFiles = true;
    }
  });

  it("relays Meta's 131053 as META_API_ERROR with its explanation", async () => {
    await fetch(`${env.meta.url}/_mock/media/fail-next`, { method: "POST", body: JSON.stringify({ code: 131053 }) });
    const r = await gw.call("upload_media", { data_base64: JPEG.toString("base64"), mime_type: "image/jpeg" });
    expect(r.structured.reason_code).toBe("META_API_ERROR");
    expect(r.structured.details).toMatchObject({ meta_error: { code: 131053 } });
  });

  it("refuses a from that is not this deployment's number", async () => {
    const r = await gw.call("upload_media", {
      data_base64: JPEG.toString("base64"),
      mime_type: "image/jpeg",
      from: "999",
    });
    expect(r.structured.reason_code).toBe("NOT_FOUND");
    expect(r.structured.human_explanation).toMatch(/^from:/);
  });
});

describe("get_media", () => {
  it("returns a customer's photo inline with its sha256 and caption", async () => {
    const small = JPEG.subarray(0, 20);
    const m = await pipe.inbound({
      from: CUSTOMER,
      type: "image",
      text: "the handle broke",
      media: { data_base64: small.toString("base64"), mime_type: "image/jpeg" },
    });
    const r = await gw.call("get_media", { media_id: m.media_id });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      media_id: m.media_id,
      customer_id: CUSTOMER,
      media_type: "image",
      mime_type: "image/jpeg",
      sha256: sha(small),
      size_bytes: small.length,
      caption: "the handle broke",
      path: null,
    });
    expect(Buffer.from(r.structured.data_base64 as string, "base64")).toEqual(small);
  });

  it("saves a file above MEDIA_INLINE_MAX_BYTES into MEDIA_DIR", async () => {
    const doc = Buffer.concat([PDF, Buffer.alloc(4096, 0x20)]);
    const m = await pipe.inbound({
      from: CUSTOMER,
      type: "document",
      media: { data_base64: doc.toString("base64"), mime_type: "application/pdf", filename: "../../receipt.pdf" },
    });
    const r = await gw.call("get_media", { media_id: m.media_id });
    expect(r.structured).toMatchObject({ data_base64: null, filename: "../../receipt.pdf", sha256: sha(doc) });
    const path = r.structured.path as string;
    expect(path).toBe(join(dir, `${m.media_id}.pdf`)); // never the customer's file name
    expect(existsSync(path) && readFileSync(path)).toEqual(doc);
  });

  it("answers NOT_FOUND for an id no customer sent", async () => {
    const r = await gw.call("get_media", { media_id: "123456789" });
    expect(r.structured.reason_code).toBe("NOT_FOUND");
    expect(r.structured.suggested_action).toMatch(/list_messages/);
  });

  it("relays Meta's 131052 (could not fetch the customer's file): ask them to resend", async () => {
    const m = await pipe.inbound({
      from: CUSTOMER,
      type: "video",
      media: { data_base64: Buffer.from("....ftypisom").toString("base64"), mime_type: "video/mp4", broken: true },
    });
    const r = await gw.call("get_media", { media_id: m.media_id });
    expect(r.structured.reason_code).toBe("META_API_ERROR");
    expect(r.structured.details).toMatchObject({ meta_error: { code: 131052 } });
  });
});
