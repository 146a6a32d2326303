import { createHmac } from "node:crypto";
import type { MockState } from "./state.js";

// Graph authorises per object: a token is valid on its own (else 190), and then sees only the objects of the WABAs
// its system user was assigned. Everything here is keyed on the WABA that owns the object in the path.

/** A token some account issued (the legacy options give every WABA the same one). */
export function tokenKnown(state: MockState, token: string | null): token is string {
  if (token === null || state.knobs.token_revoked) return false;
  for (const a of state.accounts.values()) if (a.token === token) return true;
  return false;
}

/** The WABAs a token may act on: what debug_token lists as granular_scopes targets. */
export function wabasOf(state: MockState, token: string): string[] {
  return [...state.accounts.values()].filter((a) => a.token === token).map((a) => a.wabaId);
}

/** The WABA owning a Graph node id (phone number, WABA, template, media), or undefined for an unknown id. */
export function ownerWaba(state: MockState, id: string): string | undefined {
  const phone = state.phones.get(id);
  if (phone !== undefined) return phone.wabaId;
  if (state.accounts.has(id)) return id;
  const template = state.templates.byId(id);
  if (template !== undefined) return template.wabaId;
  const media = state.media.get(id);
  return media === undefined ? undefined : state.phones.get(media.phoneNumberId)?.wabaId;
}

export const tokenOwns = (state: MockState, token: string, wabaId: string): boolean =>
  state.accounts.get(wabaId)?.token === token;

/** appsecret_proof = HMAC-SHA256(app secret, token) with the secret of the app behind this token. */
export function proofValid(state: MockState, token: string, proof: string): boolean {
  for (const a of state.accounts.values())
    if (a.token === token && createHmac("sha256", a.appSecret).update(token).digest("hex") === proof) return true;
  return false;
}
