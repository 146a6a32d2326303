import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockMeta, type RunningMockMeta } from "../src/index.js";
import { call, PHONE, SECRET, startTarget, waitFor, type Target } from "./helpers.js";

let mock: RunningMockMeta;
let target: Target;
let base: string;
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("mock jpeg body")]);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  target = await startTarget();
  mock = await startMockMeta({ port: 0, appSecret: SECRET, webhookTargetUrl: target.url, seed: 2, webhookDelayMs: 10 });
  base = mock.url;
});
afterAll(async () => {
  await mock.close();
  await target.close();
});

async function upload(bytes: Uint8Array, type: string, token = "mock-token") {
  const form = new FormData();
  form.set("messaging_product", "whatsapp");
  form.set("type", type);
  form.set("file", new Blob([bytes], { type }), "photo.jpg");
  const res = await fetch(`${base}/v25.0/${PHONE}/media`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe("media like Graph", () => {
  it("uploads multipart, gives a URL by media id, and serves the bytes only with the token", async () => {
    const up = await upload(JPEG, "image/jpeg");
    expect(up.status).toBe(200);
    const id = up.json.id as string;
    expect(id).toMatch(/^\d+$/);
    const info = await call(base, "GET", `/v25.0/${id}`);
    expect(info.json).toMatchObject({
      messaging_product: "whatsapp",
      mime_type: "image/jpeg",
      sha256: sha(JPEG),
      file_size: JPEG.length,
      id,
    });
    const url = info.json.url as string;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: "Bearer mock-token" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(JPEG);
    const forged = await fetch(url.replace(/hash=[0-9a-f]+/, "hash=00"), {
      headers: { authorization: "Bearer mock-token" },
    });
    expect(forged.status).toBe(404);
  });

  it("answers 131053 for a type WhatsApp does not take and for a file above its type's limit", async () => {
    const gif = await upload(Buffer.from("GIF89a"), "image/gif");
    expect(gif.status).toBe(400);
    expect(gif.json.error).toMatchObject({ code: 131053 });
    expect(gif.json.error.error_data.details).toMatch(/image\/gif/);
    const big = await upload(new Uint8Array(5 * 1024 * 1024 + 1), "image/png");
    expect(big.json.error).toMatchObject({ code: 131053 });
  });

  it("refuses an upload without the token (190)", async () => {
    const r = await upload(JPEG, "image/jpeg", "wrong");
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe(190);
  });

  it("emits an inbound image webhook whose media it serves, and 131052 for one it could not fetch", async () => {
    const r = await call(base, "POST", "/_mock/inbound", [
      {
        from: "15550001234",
        type: "image",
        text: "broken lid",
        media: { data_base64: JPEG.toString("base64"), mime_type: "image/jpeg" },
      },
      {
        from: "15550001234",
        type: "document",
        media: { data_base64: "JVBERi0=", mime_type: "application/pdf", filename: "r.pdf", broken: true },
      },
    ]);
    const [photo, doc] = r.json.messages as Array<{ id: string; media_id: string; sha256: string }>;
    expect(photo!.sha256).toBe(sha(JPEG));
    await waitFor(() => target.received.some((x) => JSON.stringify(x.body).includes(doc!.id)));
    const messages = target.received.flatMap((x) =>
      x.body.entry.flatMap((e) => e.changes.flatMap((c) => c.value["messages"] ?? [])),
    );
    expect(messages.find((m: any) => m.id === photo!.id)).toMatchObject({
      type: "image",
      image: { id: photo!.media_id, mime_type: "image/jpeg", sha256: sha(JPEG), caption: "broken lid" },
    });
    expect(messages.find((m: any) => m.id === doc!.id)).toMatchObject({
      type: "document",
      document: { filename: "r.pdf" },
    });
    expect((await call(base, "GET", `/v25.0/${photo!.media_id}`)).json.mime_type).toBe("image/jpeg");
    const broken = await call(base, "GET", `/v25.0/${doc!.media_id}`);
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe(131052);
  });

  it("fails the next upload with a chosen code through /_mock/media/fail-next", async () => {
    await call(base, "POST", "/_mock/media/fail-next", { code: 131053 });
    expect((await upload(JPEG, "image/jpeg")).json.error.code).toBe(131053);
    expect((await upload(JPEG, "image/jpeg")).status).toBe(200);
  });
});
