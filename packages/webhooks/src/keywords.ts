/** Whole-message keyword matching: trimmed, inner spacing collapsed, upper-cased ("  stop   all " → "STOP ALL"). */
export function normalizeKeyword(text: string): string {
  return text.trim().replace(/\s+/gu, " ").toUpperCase();
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
