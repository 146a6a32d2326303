// Format characters (zero-width, bidi controls, BOM, soft hyphen) carry no letters: dropped anywhere.
const FORMAT = /\p{Cf}/gu;
// What may wrap a keyword without changing it: spacing, punctuation, symbols and emoji (with their variation
// selectors, skin tones and keycaps).
const EDGE = /^[\s\p{P}\p{S}\uFE00-\uFE0F\u20E3]+|[\s\p{P}\p{S}\uFE00-\uFE0F\u20E3]+$/gu;

/**
 * Whole-message keyword form: NFKC (full-width "ＳＴＯＰ" → "STOP"), format characters removed, punctuation and
 * emoji trimmed from both ends, inner spacing collapsed, upper-cased ("  stop 🙏 " → "STOP", "Stop." → "STOP").
 */
export function normalizeKeyword(text: string): string {
  return text.normalize("NFKC").replace(FORMAT, "").replace(EDGE, "").replace(/\s+/gu, " ").toUpperCase();
}

export type KeywordAction = { action: "opt_out" | "opt_in"; keyword: string } | null;

export function createKeywordMatcher(optOut: readonly string[], optIn: readonly string[]) {
  const out = new Set(optOut.map(normalizeKeyword));
  const inn = new Set(optIn.map(normalizeKeyword));
  return (text: string | null): KeywordAction => {
    if (!text) return null;
    const k = normalizeKeyword(text);
    if (out.has(k)) return { action: "opt_out", keyword: k };
    if (inn.has(k)) return { action: "opt_in", keyword: k };
    return null;
  };
}

export type KeywordMatcher = ReturnType<typeof createKeywordMatcher>;
