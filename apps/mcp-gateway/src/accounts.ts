import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  type Accounts,
  AccountsError,
  createAccounts,
  DEFAULT_BUSINESS_CHANNEL,
  openAccounts,
  parseAccounts,
  singleNumberAccounts,
} from "@wa/accounts";
import type { McpGatewayConfig } from "@wa/config";
import type { Db } from "@wa/db";
import type { Logger } from "@wa/observability";

/**
 * The numbers agents may send from (accounts.yaml, or the META_* variables as the one default account), synced
 * into Postgres at start. The gateway reads no token from the file: it calls Meta with META_ACCESS_TOKEN only.
 * An invalid file throws (the gateway must not start); an unreachable database does not: the file's numbers are
 * used with the channels a first sync gives them, and database tools answer UNAVAILABLE until it is back.
 */
export async function openGatewayAccounts(db: Db, cfg: McpGatewayConfig, log: Logger): Promise<Accounts> {
  try {
    return await openAccounts({ db, file: cfg.ACCOUNTS_FILE, single: cfg });
  } catch (err) {
    if (err instanceof AccountsError) throw err;
    log.warn({ err }, "accounts not synced (database unreachable?); the file's numbers are used as first synced");
    return offlineAccounts(cfg);
  }
}

function offlineAccounts(cfg: McpGatewayConfig): Accounts {
  const path = resolve(cfg.ACCOUNTS_FILE);
  const spec = existsSync(path) ? parseAccounts(readFileSync(path, "utf8"), path) : singleNumberAccounts(cfg);
  const own = new Map(spec.businesses.map((b) => [b.id, `${DEFAULT_BUSINESS_CHANNEL}:${b.id}`]));
  const dflt = createAccounts(spec, own, null).defaultNumber.businessId;
  return createAccounts(spec, new Map([...own, [dflt, DEFAULT_BUSINESS_CHANNEL]]), null);
}
