import { refuse, type Result } from "@wa/contract";
import { z } from "zod";

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_-]{1,40}$/);
// ISO 3166 alpha-2 ("ID") or a calling code ("62", "+62"), see README.
const countryCode = z
  .string()
  .trim()
  .regex(/^([A-Za-z]{2}|\+?[0-9]{1,4})$/);

export const audienceFilterSchema = z
  .object({
    include_tags: z.array(tag).max(50).optional(),
    exclude_tags: z.array(tag).max(50).optional(),
    country_codes: z.array(countryCode).max(250).optional(),
    active_within_days: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

/** A normalized filter: lists deduplicated, empty lists dropped, countries split into ISO codes and prefixes. */
export interface AudienceFilter {
  readonly include_tags?: readonly string[];
  readonly exclude_tags?: readonly string[];
  readonly country_codes?: readonly string[];
  readonly active_within_days?: number;
}

export interface CountrySplit {
  readonly iso: readonly string[];
  readonly callingCodes: readonly string[];
}

export function splitCountries(codes: readonly string[] | undefined): CountrySplit {
  const iso = new Set<string>();
  const callingCodes = new Set<string>();
  for (const c of codes ?? []) {
    if (/^[A-Za-z]{2}$/.test(c)) iso.add(c.toUpperCase());
    else callingCodes.add(c.replace(/^\+/, ""));
  }
  return { iso: [...iso], callingCodes: [...callingCodes] };
}

const uniq = (xs: readonly string[] | undefined): string[] | undefined => {
  const out = [...new Set(xs ?? [])];
  return out.length > 0 ? out : undefined;
};

/** Validates an agent's audience_filter; a bad one is INVALID_ARGUMENT naming the field. */
export function parseAudienceFilter(input: unknown): Result<{ filter: AudienceFilter }> {
  const parsed = audienceFilterSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "audience_filter";
    return refuse(
      "INVALID_ARGUMENT",
      `audience_filter.${where} is invalid: ${issue?.message ?? "bad value"}.`,
      'Use include_tags/exclude_tags (lowercase [a-z0-9_-], ≤ 40 chars), country_codes (ISO alpha-2 such as "ID" or a calling code such as "62") and active_within_days (1-3650).',
    );
  }
  const f = parsed.data;
  const countries = f.country_codes?.map((c) => (/^[A-Za-z]{2}$/.test(c) ? c.toUpperCase() : c.replace(/^\+/, "")));
  const filter: AudienceFilter = {
    ...(uniq(f.include_tags) ? { include_tags: uniq(f.include_tags) } : {}),
    ...(uniq(f.exclude_tags) ? { exclude_tags: uniq(f.exclude_tags) } : {}),
    ...(uniq(countries) ? { country_codes: uniq(countries) } : {}),
    ...(f.active_within_days !== undefined ? { active_within_days: f.active_within_days } : {}),
  };
  return { ok: true, filter };
}

/** Reads a stored filter back (written by parseAudienceFilter, so it is trusted but re-checked). */
export function storedFilter(raw: unknown): AudienceFilter {
  const r = parseAudienceFilter(raw);
  if (!r.ok) throw new Error(`stored audience_filter is invalid: ${r.human_explanation}`);
  return r.filter;
}
