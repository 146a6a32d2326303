import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  type Accounts,
  AccountsError,
  createAccounts,
  DEFAULT_BUSINESS_CHANNEL,
  openAccounts,
  parseAccounts,
  secretReader,
  singleNumberAccounts,
} from "@wa/accounts";
import type { McpGatewayConfig } from "@wa/config";
import type { Db } from "@wa/db";
import type { Logger } from "@wa/observability";

/**
 * The numbers agents may send from (accounts.yaml, or the META_* variables as the one default account), synced
 * into Postgres at start, with each WABA's token (no app secret: the gateway checks no webhook signature).
 * An invalid file or a token that cannot be read throws (the gateway must not start); an unreachable database
 * does not: the file's numbers are used with the channels a first sync gives them, and database tools answer
 * UNAVAILABLE until it is back.
 */
export async function openGatewayAccounts(db: Db, cfg: McpGatewayConfig, log: Logger): Promise<Accounts> {
  // Without a file the one WABA's token is META_ACCESS_TOKEN as parsed (tests and .env pass it without process.env).
  const env = { ...process.env, META_ACCESS_TOKEN: cfg.META_ACCESS_TOKEN };
  try {
    return await openAccounts({ db, file: cfg.ACCOUNTS_FILE, single: cfg, withSecrets: "tokens", env });
  } catch (err) {
    if (err instanceof AccountsError) throw err;
    log.warn({ err }, "accounts not synced (database unreachable?); the file's numbers are used as first synced");
    return offlineAccounts(cfg, env);
  }
}

function offlineAccounts(cfg: McpGatewayConfig, env: NodeJS.ProcessEnv): Accounts {
  const path = resolve(cfg.ACCOUNTS_FILE);
  const spec = existsSync(path) ? parseAccounts(readFileSync(path, "utf8"), path) : singleNumberAccounts(cfg);
  const own = new Map(spec.businesses.map((b) => [b.id, `${DEFAULT_BUSINESS_CHANNEL}:${b.id}`]));
  const dflt = createAccounts(spec, own, null).defaultNumber.businessId;
  const channels = new Map([...own, [dflt, DEFAULT_BUSINESS_CHANNEL]]);
  return createAccounts(spec, channels, secretReader(cfg.ACCOUNTS_FILE, env), true);
}
