import { createHmac, timingSafeEqual } from "node:crypto";

export type RawBody = Uint8Array | string;

const HEADER = /^sha256=([0-9a-f]{64})$/i;

function bytesOf(body: RawBody): Uint8Array {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

function hmac(body: RawBody, appSecret: string): Buffer {
  return createHmac("sha256", appSecret).update(bytesOf(body)).digest();
}

/** `X-Hub-Signature-256` value for a body, as Meta computes it (lowercase hex). */
export function signBody(rawBody: RawBody, appSecret: string): string {
  return `sha256=${hmac(rawBody, appSecret).toString("hex")}`;
}

/**
 * Checks `X-Hub-Signature-256` over the exact bytes received (never a re-serialized object).
 * The `sha256=` prefix is required (either case); hex of either case is accepted; an empty app
 * secret never verifies, because anyone can compute an HMAC with an empty key.
 */
export function verifySignature(rawBody: RawBody, header: string | undefined | null, appSecret: string): boolean {
  if (typeof header !== "string" || appSecret.length === 0) return false;
  const match = HEADER.exec(header.trim());
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], "hex");
  const expected = hmac(rawBody, appSecret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
