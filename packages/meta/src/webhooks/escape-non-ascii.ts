/**
 * Rewrites JSON text the way Meta signs it: every non-ASCII UTF-16 unit as a lowercase `\uXXXX`
 * escape (emoji become surrogate pairs). Non-ASCII can only occur inside JSON strings, so a plain
 * text replacement keeps the JSON equal in value.
 */
export function escapeNonAscii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
