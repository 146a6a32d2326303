type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Rewrites zod's JSON Schema into the most portable spelling (same meaning): `type: [T, "null"]` becomes
 * `anyOf: [{type: T}, {type: "null"}]` and an empty `additionalProperties: {}` becomes `true`. Clients that map
 * tool schemas onto single-type dialects (Gemini's OpenAPI subset) reject the other forms; the Inspector flags them.
 */
export function portable(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && isSchema(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSchema(v) ? portable(v) : v]));
    } else if (key === "additionalProperties" && isSchema(value)) {
      out[key] = Object.keys(value).length === 0 ? true : portable(value);
    } else if ((key === "items" || key === "not") && isSchema(value)) {
      out[key] = portable(value);
    } else if (
      (key === "anyOf" || key === "oneOf" || key === "allOf" || key === "prefixItems") &&
      Array.isArray(value)
    ) {
      out[key] = value.map((v) => (isSchema(v) ? portable(v) : v));
    } else {
      out[key] = value;
    }
  }
  const type = out.type;
  if (Array.isArray(type) && type.length === 2 && type.includes("null")) {
    const { type: _t, description, title, default: dflt, ...rest } = out;
    const other = type.find((t) => t !== "null");
    return {
      ...(title !== undefined ? { title } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(dflt !== undefined ? { default: dflt } : {}),
      anyOf: [{ ...rest, type: other }, { type: "null" }],
    };
  }
  return out;
}
