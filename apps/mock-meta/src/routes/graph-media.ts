import type { Context, Hono, Next } from "hono";
import { ownerWaba, tokenKnown, tokenOwns } from "../auth.js";
import type { MockContext } from "../context.js";
import type { GraphErrorInput } from "../error-catalog.js";
import { MEDIA_TYPES } from "../media.js";
import { json } from "./respond.js";

type Fail = (e: GraphErrorInput, method: string, path: string) => Response;
type Ok = (body: object, method: string, path: string) => Response;

const DOWNLOAD_PATH = "/whatsapp_business/attachments/";

const bad = (details: string): GraphErrorInput => ({ code: 131053, details });

/**
 * Graph's media surface: upload (multipart, like Graph), GET /{media-id} → a short-lived URL that still needs the
 * bearer token, and that download. Registered before the generic node lookup.
 */
export function registerMediaRoutes(app: Hono, ctx: MockContext, V: string, fail: Fail, ok: Ok): void {
  const { state } = ctx;
  app.post(`${V}/:id/media`, async (c) => {
    const id = c.req.param("id");
    const path = c.req.path;
    if (!state.phones.has(id))
      return fail(
        { code: 100, message: `Unsupported post request. Object with ID '${id}' does not exist` },
        "POST",
        path,
      );
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      return fail({ code: 100, message: "(#100) The parameter file is required." }, "POST", path);
    }
    if (form.get("messaging_product") !== "whatsapp")
      return fail({ code: 100, message: "(#100) The parameter messaging_product is required." }, "POST", path);
    const file = form.get("file");
    if (!(file instanceof Blob))
      return fail({ code: 100, message: "(#100) The parameter file is required." }, "POST", path);
    const mime = String(form.get("type") ?? file.type)
      .split(";")[0]!
      .trim();
    const forced = state.media.failNext.get("upload");
    if (forced !== undefined) {
      state.media.failNext.delete("upload");
      return fail({ code: forced }, "POST", path);
    }
    const cap = MEDIA_TYPES[mime];
    if (cap === undefined)
      return fail(
        bad(
          `Param file must be a file with one of the following types: ${Object.keys(MEDIA_TYPES).join(", ")}. Received file of type '${mime}'.`,
        ),
        "POST",
        path,
      );
    if (file.size > cap)
      return fail(bad(`File of type ${mime} is too large: ${file.size} bytes, maximum ${cap}.`), "POST", path);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const name = file instanceof File && file.name ? file.name : null;
    const obj = state.media.add({ bytes, mimeType: mime, filename: name, phoneNumberId: id, broken: false });
    return ok({ id: obj.id }, "POST", path);
  });

  // GET /{media-id}: only media ids; other nodes fall through to the generic lookup.
  app.get(`${V}/:id`, async (c: Context, next: Next) => {
    const obj = state.media.get(c.req.param("id") ?? "");
    if (obj === undefined) return next();
    const path = c.req.path;
    const forced = state.media.failNext.get(obj.id);
    if (forced !== undefined) {
      state.media.failNext.delete(obj.id);
      return fail({ code: forced }, "GET", path);
    }
    if (obj.broken) return fail({ code: 131052 }, "GET", path);
    const origin = new URL(c.req.url).origin;
    const url = `${origin}${DOWNLOAD_PATH}?mid=${obj.id}&hash=${obj.token}`;
    return ok(
      {
        messaging_product: "whatsapp",
        url,
        mime_type: obj.mimeType,
        sha256: obj.sha256,
        file_size: obj.bytes.length,
        id: obj.id,
      },
      "GET",
      path,
    );
  });

  // The download host is outside the versioned Graph paths, yet still refuses a request without the token.
  app.get(DOWNLOAD_PATH, (c) => {
    const auth = c.req.header("authorization") ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : null;
    if (!tokenKnown(state, token))
      return json({ error: { message: "Invalid OAuth access token", type: "OAuthException", code: 190 } }, 401);
    const obj = state.media.get(c.req.query("mid") ?? "");
    // Another account's token is treated like a wrong hash: the URL names nothing this token may fetch.
    const owner = obj === undefined ? undefined : ownerWaba(state, obj.id);
    if (
      obj === undefined ||
      obj.token !== c.req.query("hash") ||
      owner === undefined ||
      !tokenOwns(state, token, owner)
    )
      return new Response("Not Found", { status: 404 });
    return new Response(obj.bytes, {
      headers: { "content-type": obj.mimeType, "content-length": String(obj.bytes.length) },
    });
  });
}
