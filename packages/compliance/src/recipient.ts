import { countryOf, defaultTimezone, normalizePhone } from "@wa/meta";

// Meta's business-scoped user id ("US.13491208655302741918"): a country prefix, then alphanumerics.
const BSUID = /^[A-Z]{2}(\.[A-Za-z0-9]+)+$/;

export type Recipient =
  | { readonly ok: true; readonly id: string; readonly kind: "phone" | "bsuid"; readonly country: string | null }
  | { readonly ok: false; readonly explanation: string };

/** Rule 1's input: E.164 digits (8–15) after normalization, or a BSUID as Meta gives it. */
export function parseRecipient(raw: string): Recipient {
  const phone = normalizePhone(raw);
  if (phone.ok) return { ok: true, id: phone.digits, kind: "phone", country: countryOf(phone.digits) };
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text.length <= 256 && BSUID.test(text)) return { ok: true, id: text, kind: "bsuid", country: text.slice(0, 2) };
  return { ok: false, explanation: phone.explanation };
}

/** The customer's stored zone, else the country's usual zone, else the fallback. */
export function recipientTimezone(
  recipient: Recipient,
  stored: string | null,
  fallback: string,
): { zone: string; from: string } {
  if (stored) return { zone: stored, from: "the customer's zone" };
  const derived = recipient.ok && recipient.country ? defaultTimezone(recipient.country) : null;
  if (derived)
    return { zone: derived, from: `derived from the number's country ${recipient.ok ? recipient.country : ""}` };
  return { zone: fallback, from: "the default zone (country unknown)" };
}
