import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseAccounts } from "./schema.js";
import { readSecret } from "./secrets.js";

/**
 * WABA id → the app secret that signs its webhooks, read from accounts.yaml without the database (the webhook
 * receiver checks signatures while Postgres is down). Null when there is no file: the one META_APP_SECRET
 * signs everything, as before accounts existed. Errors name the variable or path, never a value.
 */
export function appSecretsByWaba(opts: {
  readonly file: string;
  readonly env?: NodeJS.ProcessEnv;
}): ReadonlyMap<string, string> | null {
  const path = resolve(opts.file);
  if (!existsSync(path)) return null;
  const spec = parseAccounts(readFileSync(path, "utf8"), path);
  const env = opts.env ?? process.env;
  const out = new Map<string, string>();
  for (const b of spec.businesses)
    for (const w of b.wabas) out.set(w.id, readSecret(w.app_secret, `WABA ${w.id} app_secret`, env, dirname(path)));
  return out;
}
