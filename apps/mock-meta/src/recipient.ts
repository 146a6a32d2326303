export type Recipient =
  | { readonly kind: "phone"; readonly input: string; readonly key: string }
  | { readonly kind: "bsuid"; readonly input: string; readonly key: string };

const STRIP = /[\s+\-()]/g;
const DIGITS = /^\d{5,15}$/;
const BSUID = /^[A-Za-z0-9._-]{1,256}$/;
const HAS_LETTER = /[A-Za-z]/;

/** Meta tolerates `+ - ( )` and spaces in `to`; anything with letters is treated as a business-scoped user id. */
export function parseRecipient(input: string): Recipient | null {
  if (HAS_LETTER.test(input)) return BSUID.test(input) ? { kind: "bsuid", input, key: input } : null;
  const digits = input.replace(STRIP, "");
  return DIGITS.test(digits) ? { kind: "phone", input, key: digits } : null;
}

/** Digits-only form used to key windows, limits and the call log; BSUIDs are kept as they are. */
export function recipientKey(input: string): string {
  return HAS_LETTER.test(input) ? input : input.replace(STRIP, "");
}
