import type { GraphErrorInput } from "./error-catalog.js";
import type { TemplateRecord } from "./templates.js";

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

function checkPart(t: TemplateRecord, where: "header" | "body", expected: readonly string[], params: unknown[]): GraphErrorInput | null {
  if (params.length !== expected.length) return mismatch(where, expected.length, params.length);
  for (const p of params) {
    if (!isObject(p) || typeof p["type"] !== "string") return { code: 131009, details: `${where}: each parameter needs a type.` };
    if (p["type"] === "text" && typeof p["text"] !== "string") return { code: 131008, details: `${where}: parameter text is missing.` };
  }
  if (t.parameterFormat === "NAMED") {
    const names = new Set(params.map((p) => (isObject(p) ? p["parameter_name"] : undefined)));
    if (names.size !== expected.length || expected.some((n) => !names.has(n))) {
      return { code: 132000, details: `${where}: parameter names do not match the template (${expected.join(", ")}).` };
    }
  }
  return null;
}

/** Parameter count/name checks against the stored template (132000) and the hydrated body length (132005). */
export function checkTemplateParams(t: TemplateRecord, components: readonly unknown[] | undefined): GraphErrorInput | null {
  const ph = t.placeholders;
  const header = paramsOf(components, "header");
  if (ph.headerMedia) {
    if (header.length !== 1) return mismatch("header", 1, header.length);
  } else {
    const e = checkPart(t, "header", ph.header, header);
    if (e !== null) return e;
  }
  const body = paramsOf(components, "body");
  const e = checkPart(t, "body", ph.body, body);
  if (e !== null) return e;
  let length = ph.bodyTextLength;
  for (const p of body) if (isObject(p) && typeof p["text"] === "string") length += p["text"].length;
  return length > MAX_BODY ? { code: 132005, details: `Hydrated body is ${length} characters; the maximum is ${MAX_BODY}.` } : null;
}
