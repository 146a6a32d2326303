/** Placeholders of a template body: positional {{1}}.. or named {{first_name}}. */
export interface Placeholders {
  format: "positional" | "named";
  names: string[]; // distinct, in order of first appearance ("1", "2" for positional)
}

const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;

export function placeholdersOf(body: string | null | undefined): Placeholders {
  const names: string[] = [];
  for (const m of (body ?? "").matchAll(PLACEHOLDER)) {
    const name = m[1] ?? "";
    if (!names.includes(name)) names.push(name);
  }
  const positional = names.every((n) => /^\d+$/.test(n));
  return { format: positional ? "positional" : "named", names };
}

/** The text of a template's BODY component, from Meta's component list. */
export function bodyTextOf(components: readonly unknown[]): string | null {
  for (const c of components) {
    if (typeof c !== "object" || c === null) continue;
    const { type, text } = c as { type?: unknown; text?: unknown };
    if (typeof type === "string" && type.toUpperCase() === "BODY" && typeof text === "string") return text;
  }
  return null;
}

/** Problems Meta would reject a new body for (meta-api.md §3), or [] when it is fine. */
export function bodyProblems(body: string, examples: readonly string[] | Record<string, string> | undefined): string[] {
  const problems: string[] = [];
  const raw = [...body.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "");
  const { format, names } = placeholdersOf(body);
  if (raw.some((n) => n === "")) problems.push("an empty placeholder {{}} is not allowed");
  const numeric = names.filter((n) => /^\d+$/.test(n));
  if (numeric.length > 0 && numeric.length < names.length) problems.push("mixes numbered and named placeholders");
  if (format === "positional") {
    const sorted = numeric.map(Number).toSorted((a, b) => a - b);
    if (sorted.some((n, i) => n !== i + 1))
      problems.push(`placeholders must be numbered {{1}}..{{${sorted.length}}} without gaps`);
  } else if (names.some((n) => !/^[a-z_][a-z0-9_]*$/.test(n))) {
    problems.push("named placeholders are lowercase letters, digits and underscores, e.g. {{first_name}}");
  }
  const trimmed = body.trim();
  if (/^\{\{[^{}]*\}\}/.test(trimmed) || /\{\{[^{}]*\}\}$/.test(trimmed))
    problems.push("the body may not start or end with a placeholder");
  if (/\}\}\s*\{\{/.test(body)) problems.push("two placeholders may not be adjacent");
  if (names.length > 0) problems.push(...exampleProblems(format, names, examples));
  else if (examples !== undefined && (Array.isArray(examples) ? examples.length : Object.keys(examples).length) > 0)
    problems.push("examples were given but the body has no placeholders");
  return problems;
}

function exampleProblems(
  format: Placeholders["format"],
  names: string[],
  examples: readonly string[] | Record<string, string> | undefined,
): string[] {
  if (examples === undefined) return [`every placeholder needs an example value (${names.length} expected)`];
  if (format === "positional") {
    if (!Array.isArray(examples)) return ["numbered placeholders take examples as an array, in order"];
    return examples.length === names.length ? [] : [`${names.length} example(s) expected, got ${examples.length}`];
  }
  if (Array.isArray(examples)) return ['named placeholders take examples as an object, e.g. {"first_name": "Ana"}'];
  const missing = names.filter((n) => !(n in examples));
  const extra = Object.keys(examples).filter((k) => !names.includes(k));
  return [
    ...(missing.length ? [`missing example(s) for ${missing.join(", ")}`] : []),
    ...(extra.length ? [`example(s) for unknown placeholder(s) ${extra.join(", ")}`] : []),
  ];
}
