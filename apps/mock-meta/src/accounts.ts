import type { MockMetaOptions, PhoneSeed } from "./options.js";
import {
  DEFAULT_DISPLAY_PHONE_NUMBER,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_VERIFIED_NAME,
  DEFAULT_WABA_ID,
  SEED_TEMPLATES,
  type TemplateSeed,
} from "./seed.js";

export type QualityRating = "GREEN" | "YELLOW" | "RED" | "UNKNOWN";

/** One business number of a MockAccount (option `accounts`, env MOCK_META_ACCOUNTS in snake_case). */
interface MockNumber {
  readonly phoneNumberId: string;
  readonly displayPhoneNumber?: string; // digits ("+" and spaces dropped); default 1555020 + 4-digit position
  readonly throughputMps?: number; // default: the throughputMps option, else 80
  readonly qualityRating?: QualityRating; // default GREEN
  readonly verifiedName?: string;
}

/** A WABA with its own system-user token and app secret, and the numbers it owns. */
export interface MockAccount {
  readonly wabaId: string;
  readonly token: string;
  readonly appSecret: string;
  readonly numbers: readonly MockNumber[];
  readonly templates?: readonly TemplateSeed[]; // default: the templates option, else SEED_TEMPLATES (ids shifted)
}

/** A number as the state seeds it: the owning WABA plus its starting throughput and quality. */
interface NumberSeed extends PhoneSeed {
  readonly mps: number;
  readonly qualityRating: QualityRating;
}

/** The credentials of one WABA; the legacy single-number options give every WABA the same token and secret. */
export interface AccountCredentials {
  readonly wabaId: string;
  readonly token: string;
  readonly appSecret: string;
  readonly templates: readonly TemplateSeed[];
}

interface ResolvedAccounts {
  readonly accounts: readonly AccountCredentials[];
  readonly numbers: readonly NumberSeed[];
}

const digitsOf = (s: string): string => s.replace(/\D/g, "");

// Template ids are global in Graph (GET /{template-id}): a seed copied into a further WABA gets its own ids,
// shifted by 10^7 per account so they stay 15 digits and below 2^53.
const shiftIds = (seeds: readonly TemplateSeed[], index: number): TemplateSeed[] =>
  seeds.map((t) => ({ ...t, id: String(Number(t.id) + index * 10_000_000) }));

/** The accounts the mock serves: `accounts` as given, else one built from the single-number options as before. */
export function resolveAccounts(o: MockMetaOptions): ResolvedAccounts {
  const mps = o.throughputMps ?? 80;
  if (o.accounts === undefined || o.accounts.length === 0) return legacyAccounts(o, mps);
  const accounts: AccountCredentials[] = [];
  const numbers: NumberSeed[] = [];
  o.accounts.forEach((a, i) => {
    accounts.push({
      wabaId: a.wabaId,
      token: a.token,
      appSecret: a.appSecret,
      templates: a.templates ?? shiftIds(o.templates ?? SEED_TEMPLATES, i),
    });
    for (const n of a.numbers) {
      numbers.push({
        id: n.phoneNumberId,
        wabaId: a.wabaId,
        // By position, so defaults never collide (ids may share their last digits across WABAs).
        displayPhoneNumber: digitsOf(n.displayPhoneNumber ?? `1555020${String(numbers.length + 1).padStart(4, "0")}`),
        verifiedName: n.verifiedName ?? DEFAULT_VERIFIED_NAME,
        mps: n.throughputMps ?? mps,
        qualityRating: n.qualityRating ?? "GREEN",
      });
    }
  });
  assertUnique(
    accounts.map((a) => a.wabaId),
    "waba_id",
  );
  assertUnique(
    numbers.map((n) => n.id),
    "phone_number_id",
  );
  assertUnique(
    numbers.map((n) => n.displayPhoneNumber),
    "display_phone_number",
  );
  return { accounts, numbers };
}

/** Today's shape: one token and secret; extraPhones may name further WABAs, which share them and start empty. */
function legacyAccounts(o: MockMetaOptions, mps: number): ResolvedAccounts {
  const wabaId = o.wabaId ?? DEFAULT_WABA_ID;
  const seeds: PhoneSeed[] = [
    {
      id: o.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID,
      wabaId,
      displayPhoneNumber: o.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER,
      verifiedName: o.verifiedName ?? DEFAULT_VERIFIED_NAME,
    },
    ...(o.extraPhones ?? []),
  ];
  const token = o.accessToken ?? "mock-token";
  const appSecret = o.appSecret ?? "mock-app-secret";
  const wabaIds = [...new Set(seeds.map((p) => p.wabaId))];
  return {
    accounts: wabaIds.map((id) => ({
      wabaId: id,
      token,
      appSecret,
      templates: id === wabaId ? (o.templates ?? SEED_TEMPLATES) : [],
    })),
    numbers: seeds.map((p) => ({ ...p, mps, qualityRating: "GREEN" })),
  };
}

function assertUnique(ids: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`mock-meta accounts: duplicate ${what} ${id}`);
    seen.add(id);
  }
}
