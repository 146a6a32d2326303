import { countryOf, defaultTimezone } from "@wa/meta";

// Meta's business-scoped user id: a country prefix, then alphanumerics ("US.13491208655302741918").
const BSUID = /^[A-Z]{2}(\.[A-Za-z0-9]+)+$/;
const PHONE = /^[1-9]\d{7,14}$/;

export type CustomerIdKind = "phone" | "bsuid";

export function isBsuid(id: string): boolean {
  return id.length <= 256 && BSUID.test(id);
}

/** Classifies a stored customer id: E.164 digits without "+" or a BSUID; null for anything else. */
export function customerIdKind(id: string): CustomerIdKind | null {
  if (PHONE.test(id)) return "phone";
  return isBsuid(id) ? "bsuid" : null;
}

/** Country from the calling code (phone) or the BSUID's prefix, and that country's usual zone. */
export function placeOf(id: string): { country: string | null; timezone: string | null } {
  const kind = customerIdKind(id);
  const country = kind === "phone" ? countryOf(id) : kind === "bsuid" ? id.slice(0, 2) : null;
  return { country, timezone: country === null ? null : defaultTimezone(country) };
}
