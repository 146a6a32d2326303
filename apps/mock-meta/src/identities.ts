import { createHash } from "node:crypto";

/**
 * The phone ↔ business-scoped user id (BSUID) pairs the mock knows, as Meta keeps one BSUID per user and
 * business portfolio. Learned from injected inbound messages (`user_id`) or made up when the `user_ids`
 * knob asks webhooks to carry them like Meta's 2026 payloads.
 */
export interface Identities {
  link(phone: string, bsuid: string): void;
  bsuidOf(phone: string): string | undefined;
  phoneOf(bsuid: string): string | undefined;
  /** The BSUID Meta would assign this phone in this WABA: stable, "ZZ." (no real country) and 20 digits. */
  assign(wabaId: string, phone: string): string;
  clear(): void;
}

export function createIdentities(): Identities {
  const byPhone = new Map<string, string>();
  const byBsuid = new Map<string, string>();
  const ids: Identities = {
    link(phone, bsuid) {
      byPhone.set(phone, bsuid);
      byBsuid.set(bsuid, phone);
    },
    bsuidOf: (phone) => byPhone.get(phone),
    phoneOf: (bsuid) => byBsuid.get(bsuid),
    assign(wabaId, phone) {
      const known = byPhone.get(phone);
      if (known !== undefined) return known;
      const digits = BigInt(`0x${createHash("sha256").update(`${wabaId}|${phone}`).digest("hex").slice(0, 16)}`)
        .toString()
        .padStart(20, "0");
      const bsuid = `ZZ.${digits}`;
      ids.link(phone, bsuid);
      return bsuid;
    },
    clear() {
      byPhone.clear();
      byBsuid.clear();
    },
  };
  return ids;
}
