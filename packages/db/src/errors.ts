/** SQLSTATEs of a connect that waiting will not fix: no such database (3D000), bad password (28P01), role missing or not allowed (28000). */
const PERMANENT_AT_CONNECT = new Set(["3D000", "28P01", "28000"]);

export const TOO_MANY_CONNECTIONS = "53300";

export function pgCode(err: unknown): string | null {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * A connect error that waiting will not fix (wrong database name, password or role), as one line with
 * Postgres's own message and code; null for anything that may pass (server down, too many connections).
 */
export function permanentDbError(err: unknown): string | null {
  const code = pgCode(err);
  if (code === null || !PERMANENT_AT_CONNECT.has(code)) return null;
  const message = err instanceof Error ? err.message.split("\n")[0] : "refused";
  return `${message} (${code})`;
}
