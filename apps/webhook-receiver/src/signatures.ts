import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { verifySignature } from "@wa/meta";

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** Which app secret a webhook body must be signed with. */
export interface SignatureCheck {
  /** True: the check needs the WABA ids the body names (entry[].id), so the envelope is read first. */
  readonly byWaba: boolean;
  verify(body: Uint8Array, header: string, wabaIds: readonly string[] | null): boolean;
}

/** No accounts file: the one META_APP_SECRET signs every body, whatever it names (as before accounts). */
export function singleSecret(appSecret: string): SignatureCheck {
  return { byWaba: false, verify: (body, header) => verifySignature(body, header, appSecret) };
}

/**
 * accounts.yaml: a body must be signed with the app secret of the WABAs it names. A body naming two of our WABAs
 * with different secrets cannot be signed by both: refused. A body naming none of ours is accepted when one of
 * our secrets signed it (the processor then dead-letters its events as UNKNOWN_WABA). The HMAC key of each
 * distinct secret is made once, at start; an empty secret never verifies.
 */
export function secretsByWaba(secrets: ReadonlyMap<string, string>): SignatureCheck {
  const keyOf = new Map<string, KeyObject>(); // secret → its key, one per distinct secret
  const byWaba = new Map<string, KeyObject>();
  for (const [waba, secret] of secrets) {
    if (secret.length === 0) continue;
    const key = keyOf.get(secret) ?? createSecretKey(Buffer.from(secret, "utf8"));
    keyOf.set(secret, key);
    byWaba.set(waba, key);
  }
  const all = [...keyOf.values()];
  return {
    byWaba: true,
    verify(body, header, wabaIds) {
      const hex = HEADER.exec(header.trim())?.[1];
      if (!hex) return false;
      const given = Buffer.from(hex, "hex");
      const signs = (key: KeyObject): boolean =>
        timingSafeEqual(createHmac("sha256", key).update(body).digest(), given);
      let named: KeyObject | undefined;
      for (const id of wabaIds ?? []) {
        const key = byWaba.get(id);
        if (key === undefined) continue;
        if (named !== undefined && named !== key) return false;
        named = key;
      }
      return named !== undefined ? signs(named) : all.some(signs);
    },
  };
}
