import type { GraphErrorInput } from "./error-catalog.js";
import type { TemplateButton, TemplateRecord } from "./templates.js";

const MAX_BODY = 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function paramsOf(components: readonly unknown[] | undefined, type: "header" | "body"): unknown[] {
  for (const c of components ?? []) {
    if (isObject(c) && typeof c["type"] === "string" && c["type"].toLowerCase() === type) {
      return Array.isArray(c["parameters"]) ? c["parameters"] : [];
    }
  }
  return [];
}

const mismatch = (where: string, expected: number, got: number): GraphErrorInput => ({
  code: 132000,
  details: `${where}: number of localizable_params (${got}) does not match the expected number of params (${expected})`,
});
const formatMismatch = (details: string): GraphErrorInput => ({ code: 132012, details });
const invalid = (details: string): GraphErrorInput => ({ code: 131009, details });

function checkPart(
  t: TemplateRecord,
  where: "header" | "body",
  expected: readonly string[],
  params: unknown[],
): GraphErrorInput | null {
  if (params.length !== expected.length) return mismatch(where, expected.length, params.length);
  for (const p of params) {
    if (!isObject(p) || typeof p["type"] !== "string") return invalid(`${where}: each parameter needs a type.`);
    if (where === "header" && p["type"] !== "text")
      return formatMismatch(
        `header: the template's header is TEXT; parameter type ${String(p["type"])} does not match`,
      );
    if (p["type"] === "text" && typeof p["text"] !== "string")
      return { code: 131008, details: `${where}: parameter text is missing.` };
  }
  if (t.parameterFormat === "NAMED") {
    const names = new Set(params.map((p) => (isObject(p) ? p["parameter_name"] : undefined)));
    if (names.size !== expected.length || expected.some((n) => !names.has(n))) {
      return { code: 132000, details: `${where}: parameter names do not match the template (${expected.join(", ")}).` };
    }
  }
  return null;
}

/** A media or location header parameter: its type must be the header's format, with an id/link or coordinates. */
function checkRichHeader(format: string, params: unknown[]): GraphErrorInput | null {
  if (params.length !== 1) return mismatch("header", 1, params.length);
  const p = params[0];
  const want = format.toLowerCase();
  if (!isObject(p) || p["type"] !== want)
    return formatMismatch(`header: expected a ${want} parameter, got ${isObject(p) ? String(p["type"]) : "none"}`);
  const v = p[want];
  if (!isObject(v)) return invalid(`header: parameter ${want} object is missing.`);
  if (want === "location")
    return typeof v["latitude"] === "number" && typeof v["longitude"] === "number"
      ? null
      : invalid("header: location needs numeric latitude and longitude.");
  const id = v["id"];
  const link = v["link"];
  if ((typeof id === "string") === (typeof link === "string"))
    return invalid(`header: ${want} needs exactly one of id or link.`);
  if (typeof link === "string" && !link.startsWith("https://")) return invalid(`header: ${want} link must be https.`);
  return null;
}

const BUTTON_PARAM: Record<string, string> = { url: "text", quick_reply: "payload", copy_code: "coupon_code" };

function checkButton(buttons: readonly TemplateButton[], c: Record<string, unknown>): GraphErrorInput | null {
  const index = Number(c["index"]);
  const b = Number.isInteger(index) ? buttons[index] : undefined;
  if (b === undefined) return invalid(`button: index ${String(c["index"])} does not exist in the template.`);
  if (b.subType === null) return invalid(`button ${index}: a ${b.kind} button takes no parameters.`);
  if (c["sub_type"] !== b.subType)
    return formatMismatch(`button ${index}: expected sub_type ${b.subType}, got ${String(c["sub_type"])}`);
  const params = Array.isArray(c["parameters"]) ? c["parameters"] : [];
  if (params.length !== 1) return mismatch(`button ${index}`, 1, params.length);
  const p = params[0];
  const want = BUTTON_PARAM[b.subType] ?? "text";
  if (!isObject(p) || p["type"] !== want)
    return formatMismatch(
      `button ${index}: expected a ${want} parameter, got ${isObject(p) ? String(p["type"]) : "none"}`,
    );
  return typeof p[want] === "string" && p[want] !== "" ? null : invalid(`button ${index}: ${want} is missing.`);
}

function checkButtons(t: TemplateRecord, components: readonly unknown[] | undefined): GraphErrorInput | null {
  const sent = (components ?? []).filter(
    (c): c is Record<string, unknown> => isObject(c) && String(c["type"]).toLowerCase() === "button",
  );
  const seen = new Set<number>();
  for (const c of sent) {
    const e = checkButton(t.placeholders.buttons, c);
    if (e !== null) return e;
    seen.add(Number(c["index"]));
  }
  const missing = t.placeholders.buttons.findIndex((b, i) => b.required && !seen.has(i));
  return missing >= 0 ? mismatch(`button ${missing}`, 1, 0) : null;
}

/**
 * A send's components against the stored template: counts/names (132000), a parameter of the wrong format
 * (132012), an invalid or extra parameter (131009), the hydrated body length (132005).
 */
export function checkTemplateParams(
  t: TemplateRecord,
  components: readonly unknown[] | undefined,
): GraphErrorInput | null {
  const ph = t.placeholders;
  const header = paramsOf(components, "header");
  if (ph.headerMedia) {
    const e = checkRichHeader(ph.headerFormat ?? "IMAGE", header);
    if (e !== null) return e;
  } else {
    const e = checkPart(t, "header", ph.header, header);
    if (e !== null) return e;
  }
  const body = paramsOf(components, "body");
  const e = checkPart(t, "body", ph.body, body);
  if (e !== null) return e;
  const b = checkButtons(t, components);
  if (b !== null) return b;
  let length = ph.bodyTextLength;
  for (const p of body) if (isObject(p) && typeof p["text"] === "string") length += p["text"].length;
  return length > MAX_BODY
    ? { code: 132005, details: `Hydrated body is ${length} characters; the maximum is ${MAX_BODY}.` }
    : null;
}
