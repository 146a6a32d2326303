import { parseDocument } from "yaml";
import { z } from "zod";

// accounts.yaml: businesses (portfolios) → WABAs → numbers. Secrets are never in the file, only where to read
// them: an environment variable or a file path.

const DIGITS = /^\d{1,32}$/;
const digits = (what: string) => z.string().regex(DIGITS, `${what}: expected digits (Meta's id)`);
// YAML reads an unquoted id as a number; ids are compared as text.
const id = (what: string) => z.union([z.number().int().nonnegative().transform(String), z.string()]).pipe(digits(what));

const secretSource = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name") }).strict(),
  z.object({ file: z.string().min(1, "expected a file path") }).strict(),
]);
export type SecretSource = z.infer<typeof secretSource>;

const numberSpec = z
  .object({
    id: id("phone number id"),
    display: z.string().min(1).optional(), // "+1 555 0100": agents may name the number by it
    default: z.boolean().default(false),
    throughput_mps: z.number().int().positive().optional(), // first value only: Meta's webhook owns it after
  })
  .strict();

const wabaSpec = z
  .object({
    id: id("WABA id"),
    name: z.string().min(1).optional(),
    token: secretSource,
    app_secret: secretSource,
    numbers: z.array(numberSpec).min(1, "a WABA lists at least one number"),
  })
  .strict();

const businessSpec = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "expected lower-case letters, digits, - or _ (at most 40)"),
    name: z.string().min(1).optional(),
    default: z.boolean().default(false),
    wabas: z.array(wabaSpec).min(1, "a business lists at least one WABA"),
  })
  .strict();

const accountsSpec = z.object({ businesses: z.array(businessSpec).min(1, "list at least one business") }).strict();

export type AccountsSpec = z.infer<typeof accountsSpec>;

export class AccountsError extends Error {
  override readonly name = "AccountsError";
}

/** Parses and validates accounts YAML; throws AccountsError listing every problem with its path. */
export function parseAccounts(text: string, where = "accounts.yaml"): AccountsSpec {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length)
    throw new AccountsError(`${where}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
  return validateAccounts(doc.toJS(), where);
}

export function validateAccounts(value: unknown, where: string): AccountsSpec {
  const parsed = accountsSpec.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new AccountsError(`${where} is not valid:\n${lines.join("\n")}`);
  }
  const problems = crossChecks(parsed.data);
  if (problems.length) throw new AccountsError(`${where} is not valid:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  return parsed.data;
}

/** What a schema cannot say: unique ids across the file, exactly one default business and one default number. */
function crossChecks(spec: AccountsSpec): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const once = (kind: string, value: string, at: string) => {
    const key = `${kind}:${value}`;
    const first = seen.get(key);
    if (first) problems.push(`${at}: ${kind} ${value} is already listed at ${first}`);
    else seen.set(key, at);
  };
  const numbers = spec.businesses.flatMap((b, bi) => {
    once("business", b.id, `businesses.${bi}`);
    return b.wabas.flatMap((w, wi) => {
      once("WABA", w.id, `businesses.${bi}.wabas.${wi}`);
      return w.numbers.map((n, ni) => {
        const at = `businesses.${bi}.wabas.${wi}.numbers.${ni}`;
        once("number", n.id, at);
        if (n.display) once("display number", n.display.replace(/\D/g, ""), at);
        return { ...n, business: b };
      });
    });
  });
  const defaultBusinesses = spec.businesses.filter((b) => b.default);
  if (defaultBusinesses.length > 1)
    problems.push(`businesses: only one may be default (${defaultBusinesses.map((b) => b.id).join(", ")})`);
  const defaults = numbers.filter((n) => n.default);
  if (defaults.length > 1) problems.push(`numbers: only one may be default (${defaults.map((n) => n.id).join(", ")})`);
  const defaultBusiness = defaultBusinesses[0];
  if (defaultBusiness && defaults[0] && defaults[0].business !== defaultBusiness)
    problems.push(
      `numbers: the default number ${defaults[0].id} is not one of the default business ${defaultBusiness.id}`,
    );
  return problems;
}
