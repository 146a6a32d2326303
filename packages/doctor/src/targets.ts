import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseAccounts, secretReader } from "@wa/accounts";
import type { DoctorTarget } from "./checks.js";

interface DoctorEnv {
  readonly META_API_BASE_URL: string;
  readonly META_API_VERSION: string;
  readonly META_ACCESS_TOKEN: string;
  readonly META_TIMEOUT_MS: number;
  readonly META_PHONE_NUMBER_ID: string;
  readonly META_WABA_ID: string;
  readonly META_APP_SECRET?: string | undefined;
  readonly ACCOUNTS_FILE: string;
}

/** One number to check, and how the report names it. */
export interface NamedTarget {
  readonly label: string;
  readonly target: DoctorTarget;
}

/**
 * Every number to check: each one of accounts.yaml with its WABA's token and app secret, else the one of the
 * META_* variables. A secret that cannot be read throws (AccountsError names where, never a value).
 */
export function doctorTargets(cfg: DoctorEnv, env: NodeJS.ProcessEnv = process.env): NamedTarget[] {
  const graph = { baseUrl: cfg.META_API_BASE_URL, version: cfg.META_API_VERSION, timeoutMs: cfg.META_TIMEOUT_MS };
  const file = resolve(cfg.ACCOUNTS_FILE);
  if (!existsSync(file)) {
    const target = {
      ...graph,
      accessToken: cfg.META_ACCESS_TOKEN,
      phoneNumberId: cfg.META_PHONE_NUMBER_ID,
      wabaId: cfg.META_WABA_ID,
      appSecret: cfg.META_APP_SECRET,
    };
    return [{ label: `WABA ${cfg.META_WABA_ID}`, target }];
  }
  const read = secretReader(file, env);
  return parseAccounts(readFileSync(file, "utf8"), file).businesses.flatMap((b) =>
    b.wabas.flatMap((w) => {
      const accessToken = read(w.token, `WABA ${w.id} token`);
      const appSecret = read(w.app_secret, `WABA ${w.id} app_secret`);
      return w.numbers.map((n) => ({
        label: `business ${b.id}, WABA ${w.id}, number ${n.id}`,
        target: { ...graph, accessToken, appSecret, phoneNumberId: n.id, wabaId: w.id },
      }));
    }),
  );
}
