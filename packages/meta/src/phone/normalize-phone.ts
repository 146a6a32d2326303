type PhoneRejection = "empty" | "letters" | "invalid_characters" | "no_country_code" | "too_short" | "too_long";

export type NormalizedPhone = { ok: true; digits: string } | { ok: false; reason: PhoneRejection; explanation: string };

const MIN_DIGITS = 8;
const MAX_DIGITS = 15; // E.164

function reject(reason: PhoneRejection, explanation: string): NormalizedPhone {
  return { ok: false, reason, explanation };
}

/**
 * International number → E.164 digits without "+" ("+62 811-998…" → "62811998…"). Accepts one
 * leading "+" or "00", and spaces, dots, dashes and parentheses as separators. A national number
 * (leading single 0) is refused: its country cannot be known.
 */
export function normalizePhone(input: string): NormalizedPhone {
  if (typeof input !== "string" || input.trim() === "") return reject("empty", "No phone number was given.");
  const text = input.trim();
  if (/\p{L}/u.test(text))
    return reject("letters", `"${text}" contains letters; use digits with the country code, e.g. +62 811 234 567.`);
  if (!/^\+?[\d\s.()-]+$/.test(text)) {
    return reject(
      "invalid_characters",
      `"${text}" contains characters other than digits, a leading +, spaces, dots, dashes or parentheses.`,
    );
  }
  let digits = text.replace(/\D/g, "");
  if (!text.startsWith("+") && digits.startsWith("00")) digits = digits.slice(2);
  if (digits.startsWith("0")) {
    return reject(
      "no_country_code",
      `"${text}" has no country code; write it in international form, e.g. +62 811 234 567.`,
    );
  }
  if (digits.length < MIN_DIGITS)
    return reject(
      "too_short",
      `"${text}" has ${digits.length} digits; at least ${MIN_DIGITS} with the country code are needed.`,
    );
  if (digits.length > MAX_DIGITS)
    return reject("too_long", `"${text}" has ${digits.length} digits; at most ${MAX_DIGITS} are allowed.`);
  return { ok: true, digits };
}
