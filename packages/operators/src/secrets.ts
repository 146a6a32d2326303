import { createHash, randomBytes } from "node:crypto";

/** A random bearer secret with a recognisable prefix (session cookie, API token). */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** What we store instead of a secret: its sha256. The secrets are 256-bit random, so no slow hash is needed. */
export function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
