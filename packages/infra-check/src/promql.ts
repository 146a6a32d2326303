// Finds the metric names a PromQL expression reads. Not a full parser: it removes what can hold
// words that are not metrics (strings, label matchers, ranges, grouping clauses, Grafana variables,
// numbers), then keeps identifiers that are neither keywords nor function calls.

const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

export function metricNamesInExpr(expr: string): Set<string> {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ") // string literals (label values, regexes)
    .replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, " ") // Grafana variables: $__rate_interval, ${x}
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, " ") // grouping label lists
    .replace(/(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[a-zA-Z]*/g, " "); // numbers, durations
  const names = new Set<string>();
  for (const m of cleaned.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    if (KEYWORDS.has(word.toLowerCase())) continue;
    const after = cleaned.slice((m.index ?? 0) + word.length).trimStart();
    if (after.startsWith("(")) continue; // a function or aggregation call
    names.add(word);
  }
  return names;
}
