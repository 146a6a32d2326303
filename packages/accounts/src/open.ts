import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Database } from "@wa/db";
import type { Kysely } from "kysely";
import { type Accounts, createAccounts } from "./registry.js";
import { type AccountsSpec, parseAccounts, type SecretSource, validateAccounts } from "./schema.js";
import { readSecret } from "./secrets.js";
import { syncAccounts } from "./sync.js";

/** The single-number variables every deployment has; they are the default account when no file exists. */
export interface SingleNumberEnv {
  readonly META_PHONE_NUMBER_ID: string;
  readonly META_WABA_ID: string;
}

export interface OpenAccountsOptions {
  readonly db: Kysely<Database>;
  readonly file: string; // ACCOUNTS_FILE; a missing file means "one number, from the env variables"
  readonly single: SingleNumberEnv;
  readonly env?: NodeJS.ProcessEnv;
  /** Read every token and app secret now (apps that verify webhooks), or the tokens alone (apps that only call Meta). */
  readonly withSecrets?: boolean | "tokens";
}

/** The one default account of a deployment configured by META_PHONE_NUMBER_ID / META_WABA_ID / META_ACCESS_TOKEN. */
export function singleNumberAccounts(single: SingleNumberEnv): AccountsSpec {
  return validateAccounts(
    {
      businesses: [
        {
          id: "default",
          name: "Default business",
          default: true,
          wabas: [
            {
              id: single.META_WABA_ID,
              token: { env: "META_ACCESS_TOKEN" },
              app_secret: { env: "META_APP_SECRET" },
              numbers: [{ id: single.META_PHONE_NUMBER_ID, default: true }],
            },
          ],
        },
      ],
    },
    "the META_* environment variables",
  );
}

/** Reads accounts.yaml (or the env variables), upserts them into Postgres and returns the registry. */
export async function openAccounts(opts: OpenAccountsOptions): Promise<Accounts> {
  const path = resolve(opts.file);
  const spec = existsSync(path) ? parseAccounts(readFileSync(path, "utf8"), path) : singleNumberAccounts(opts.single);
  const channels = await syncAccounts(opts.db, spec);
  return createAccounts(
    spec,
    channels,
    opts.withSecrets ? secretReader(opts.file, opts.env) : null,
    opts.withSecrets === "tokens",
  );
}

/**
 * How createAccounts reads the secrets of the accounts in `file` (env variables, or paths relative to the file):
 * for an app that builds its registry without the database (e.g. the gateway while Postgres is unreachable).
 */
export function secretReader(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): (source: SecretSource, what: string) => string {
  const dir = dirname(resolve(file));
  return (source, what) => readSecret(source, what, env, dir);
}
