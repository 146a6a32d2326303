import { createHmac } from "node:crypto";

const NON_ASCII = /[\u007f-\uffff]/g;

const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** JSON as Meta sends it: every non-ASCII UTF-16 unit escaped as \uXXXX with lowercase hex. */
export function encodeMetaJson(value: unknown): string {
  return JSON.stringify(value).replace(NON_ASCII, escapeChar);
}

/** `X-Hub-Signature-256` value: HMAC-SHA256 with the app secret over the exact body bytes. */
export function signBody(appSecret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}

/** Legacy `X-Hub-Signature` (SHA-1) that Meta still sends beside the SHA-256 one. */
export function signBodySha1(appSecret: string, body: string | Uint8Array): string {
  return `sha1=${createHmac("sha1", appSecret).update(body).digest("hex")}`;
}
