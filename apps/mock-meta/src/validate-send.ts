import type { GraphErrorInput } from "./error-catalog.js";
import { parseRecipient, type Recipient } from "./recipient.js";
import { validateRich } from "./validate-rich.js";

export type SendRequest =
  | { readonly kind: "mark_read"; readonly messageId: string }
  | {
      readonly kind: "message";
      readonly to: Recipient;
      readonly type: string;
      readonly bizOpaque?: string;
      readonly template?: {
        readonly name: string;
        readonly language: string;
        readonly components?: readonly unknown[];
      };
    };

export type Validated = { ok: true; req: SendRequest } | { ok: false; error: GraphErrorInput };

const MEDIA = new Set(["image", "audio", "video", "document", "sticker"]);
const OTHER = new Set(["location", "contacts", "interactive", "reaction"]);
const MAX_TEXT = 4096;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const required = (param: string): Validated => ({
  ok: false,
  error: {
    code: 100,
    message: `(#100) The parameter ${param} is required.`,
    details: `The parameter ${param} is required.`,
  },
});
const invalid = (code: number, details: string): Validated => ({ ok: false, error: { code, details } });

/** Validates a send body the way Graph does: envelope fields first, then the object named by `type`. */
export function validateSend(body: unknown): Validated {
  if (!isObject(body)) return required("messaging_product");
  const product = body["messaging_product"];
  if (product === undefined) return required("messaging_product");
  if (product !== "whatsapp") {
    return invalid(100, `Param messaging_product must be one of {WHATSAPP} - got "${String(product)}".`);
  }
  if (body["status"] === "read") {
    const id = body["message_id"];
    if (typeof id !== "string" || id === "") return required("message_id");
    const typing = body["typing_indicator"];
    if (typing !== undefined && !(isObject(typing) && typing["type"] === "text"))
      return invalid(100, "Param typing_indicator['type'] must be one of {TEXT}.");
    return { ok: true, req: { kind: "mark_read", messageId: id } };
  }
  const rt = body["recipient_type"];
  if (rt !== undefined && rt !== "individual" && rt !== "group")
    return invalid(100, "Param recipient_type must be one of {INDIVIDUAL, GROUP}.");
  const toRaw = body["to"];
  if (typeof toRaw !== "string" || toRaw === "") return required("to");
  const to = parseRecipient(toRaw);
  if (to === null) return invalid(131009, "Parameter 'to' is not a valid phone number or business-scoped user id.");
  const bizOpaque = body["biz_opaque_callback_data"];
  if (bizOpaque !== undefined && (typeof bizOpaque !== "string" || bizOpaque.length > 512)) {
    return invalid(100, "Param biz_opaque_callback_data must be a string of at most 512 characters.");
  }
  const extra = typeof bizOpaque === "string" ? { bizOpaque } : {};
  const type = body["type"] ?? "text";
  if (typeof type !== "string") return invalid(100, "Param type must be a string.");
  const obj = body[type];
  if (type === "text") {
    if (!isObject(obj)) return required("text");
    const text = obj["body"];
    if (typeof text !== "string" || text === "") return required("text['body']");
    if (text.length > MAX_TEXT && [...text].length > MAX_TEXT) {
      return invalid(100, `Param text['body'] must be at most ${MAX_TEXT} characters long.`);
    }
    return { ok: true, req: { kind: "message", to, type, ...extra } };
  }
  if (type === "template") {
    if (!isObject(obj)) return required("template");
    const name = obj["name"];
    if (typeof name !== "string" || name === "") return required("template['name']");
    const language = obj["language"];
    const code = isObject(language) ? language["code"] : undefined;
    if (typeof code !== "string" || code === "") return required("template['language']['code']");
    const components = obj["components"];
    if (components !== undefined && !Array.isArray(components))
      return invalid(100, "Param template['components'] must be an array.");
    const template = { name, language: code, ...(components === undefined ? {} : { components }) };
    return { ok: true, req: { kind: "message", to, type, template, ...extra } };
  }
  if (MEDIA.has(type) || OTHER.has(type)) {
    if (type === "contacts" && Array.isArray(obj)) return { ok: true, req: { kind: "message", to, type, ...extra } };
    if (!isObject(obj)) return required(type);
    const error = validateRich(type, obj);
    return error ? { ok: false, error } : { ok: true, req: { kind: "message", to, type, ...extra } };
  }
  return invalid(131051, `Message type '${type}' is not supported.`);
}
