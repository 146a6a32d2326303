import type { AccountsSpec, SecretSource } from "./schema.js";
import { AccountsError } from "./schema.js";

/** One business number and who owns it. Holds no secret: safe to log or return to an agent. */
export interface NumberAccount {
  readonly phoneNumberId: string;
  readonly displayPhoneNumber: string | null;
  readonly wabaId: string;
  readonly businessId: string;
  /** Where the business's customers, consent and caps live ("whatsapp" for the default business). */
  readonly channel: string;
  readonly isDefault: boolean;
}

interface WabaSecrets {
  readonly token: string;
  readonly appSecret: string;
}

export interface Accounts {
  readonly numbers: readonly NumberAccount[];
  readonly defaultNumber: NumberAccount;
  /** A number by phone_number_id or display number (digits compared); undefined `from` = the default. */
  resolve(from: string | undefined): NumberAccount | undefined;
  byPhoneNumberId(phoneNumberId: string): NumberAccount | undefined;
  /** The numbers of one WABA (entry.id of a webhook); empty when the WABA is not ours. */
  numbersOfWaba(wabaId: string): readonly NumberAccount[];
  /** The WABA's token and app secret; throws when this process was opened without them (or with tokens only). */
  secrets(wabaId: string): WabaSecrets;
  /** The WABA's token; throws when this process was opened without secrets. */
  token(wabaId: string): string;
  /** Every distinct app secret, for checking a webhook signature before the body is trusted. */
  appSecrets(): readonly string[];
}

const digitsOf = (s: string) => s.replace(/\D/g, "");

/** The default number: the one marked default, else the first listed. */
export function defaultNumberOf(spec: AccountsSpec): { businessId: string; wabaId: string; phoneNumberId: string } {
  let first: { businessId: string; wabaId: string; phoneNumberId: string } | undefined;
  for (const b of spec.businesses)
    for (const w of b.wabas)
      for (const n of w.numbers) {
        if (n.default) return { businessId: b.id, wabaId: w.id, phoneNumberId: n.id };
        first ??= { businessId: b.id, wabaId: w.id, phoneNumberId: n.id };
      }
  if (!first) throw new AccountsError("accounts: no number is listed");
  return first;
}

export function createAccounts(
  spec: AccountsSpec,
  channels: ReadonlyMap<string, string>,
  readSecret: ((source: SecretSource, what: string) => string) | null,
  tokensOnly = false, // apps that call Meta but never check a webhook signature need no app secret
): Accounts {
  const dflt = defaultNumberOf(spec);
  const numbers: NumberAccount[] = [];
  const secretsByWaba = new Map<string, WabaSecrets>(); // closed over: never part of an enumerable object
  const tokens = new Map<string, string>();
  for (const b of spec.businesses) {
    const channel = channels.get(b.id);
    if (!channel) throw new AccountsError(`accounts: business ${b.id} has no channel (sync them first)`);
    for (const w of b.wabas) {
      if (readSecret) {
        const token = readSecret(w.token, `WABA ${w.id} token`);
        tokens.set(w.id, token);
        if (!tokensOnly)
          secretsByWaba.set(w.id, { token, appSecret: readSecret(w.app_secret, `WABA ${w.id} app_secret`) });
      }
      for (const n of w.numbers)
        numbers.push(
          Object.freeze({
            phoneNumberId: n.id,
            displayPhoneNumber: n.display ?? null,
            wabaId: w.id,
            businessId: b.id,
            channel,
            isDefault: n.id === dflt.phoneNumberId,
          }),
        );
    }
  }
  const byId = new Map(numbers.map((n) => [n.phoneNumberId, n]));
  const byDisplay = new Map(
    numbers.flatMap((n) => (n.displayPhoneNumber ? [[digitsOf(n.displayPhoneNumber), n]] : [])),
  );
  const defaultNumber = byId.get(dflt.phoneNumberId)!;
  return {
    numbers,
    defaultNumber,
    resolve(from) {
      if (from === undefined) return defaultNumber;
      const d = digitsOf(from);
      return byId.get(d) ?? byDisplay.get(d);
    },
    byPhoneNumberId: (id) => byId.get(id),
    numbersOfWaba: (wabaId) => numbers.filter((n) => n.wabaId === wabaId),
    secrets(wabaId) {
      const s = secretsByWaba.get(wabaId);
      if (!s) throw new AccountsError(`accounts: no secrets loaded for WABA ${wabaId}`);
      return s;
    },
    token(wabaId) {
      const t = tokens.get(wabaId);
      if (!t) throw new AccountsError(`accounts: no token loaded for WABA ${wabaId}`);
      return t;
    },
    appSecrets: () => [...new Set([...secretsByWaba.values()].map((s) => s.appSecret))],
  };
}
