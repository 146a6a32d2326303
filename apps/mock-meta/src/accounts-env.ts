import type { MockAccount } from "./accounts.js";

/** MOCK_META_ACCOUNTS as @wa/config parsed it (snake_case, like the rest of the mock's wire JSON). */
interface AccountEnv {
  readonly waba_id: string;
  readonly token: string;
  readonly app_secret: string;
  readonly numbers: readonly {
    readonly phone_number_id: string;
    readonly display_phone_number?: string | undefined;
    readonly throughput_mps?: number | undefined;
    readonly quality_rating?: "GREEN" | "YELLOW" | "RED" | "UNKNOWN" | undefined;
    readonly verified_name?: string | undefined;
  }[];
}

/** snake_case env entries → the camelCase `accounts` option; absent fields stay absent (defaults apply). */
export function accountsFromEnv(env: readonly AccountEnv[]): MockAccount[] {
  return env.map((a) => ({
    wabaId: a.waba_id,
    token: a.token,
    appSecret: a.app_secret,
    numbers: a.numbers.map((n) => ({
      phoneNumberId: n.phone_number_id,
      ...(n.display_phone_number === undefined ? {} : { displayPhoneNumber: n.display_phone_number }),
      ...(n.throughput_mps === undefined ? {} : { throughputMps: n.throughput_mps }),
      ...(n.quality_rating === undefined ? {} : { qualityRating: n.quality_rating }),
      ...(n.verified_name === undefined ? {} : { verifiedName: n.verified_name }),
    })),
  }));
}
