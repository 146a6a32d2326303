import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { openAccounts } from "@wa/accounts";
import type { Database } from "@wa/db";
import { createMetaClient } from "@wa/meta";
import type { Kysely } from "kysely";
import type { WabaTemplates } from "./template-sync.js";

/** What an app that only syncs templates (scheduler, console) knows of Meta. */
export interface TemplateSourcesConfig {
  readonly ACCOUNTS_FILE: string;
  readonly META_ACCESS_TOKEN?: string | undefined;
  readonly META_WABA_ID?: string | undefined;
  readonly META_PHONE_NUMBER_ID?: string | undefined;
  readonly META_API_BASE_URL: string;
  readonly META_API_VERSION: string;
  readonly META_TIMEOUT_MS: number;
}

/**
 * Every WABA whose templates this deployment sends, each with a client holding that WABA's token (a token sees
 * only its own WABA's templates): accounts.yaml's WABAs (opened with their tokens, synced into Postgres), else the
 * one META_WABA_ID with META_ACCESS_TOKEN. Null when neither is configured (nothing to sync). An invalid file or a
 * token it names that is not set throws (AccountsError, naming the variable, never a value).
 */
export async function openTemplateSources(
  db: Kysely<Database>,
  cfg: TemplateSourcesConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WabaTemplates[] | null> {
  const common = { baseUrl: cfg.META_API_BASE_URL, version: cfg.META_API_VERSION, timeoutMs: cfg.META_TIMEOUT_MS };
  const client = (wabaId: string, accessToken: string, phoneNumberId: string) =>
    createMetaClient({ ...common, accessToken, phoneNumberId, wabaId });
  if (!existsSync(resolve(cfg.ACCOUNTS_FILE))) {
    const { META_ACCESS_TOKEN: token, META_WABA_ID: wabaId } = cfg;
    // The one WABA is the default number's: its rows take the column's default, so rows written before any app
    // synced the accounts (waba_id still NULL) are updated rather than doubled.
    return token && wabaId ? [{ meta: client(wabaId, token, cfg.META_PHONE_NUMBER_ID ?? "") }] : null;
  }
  const single = { META_PHONE_NUMBER_ID: cfg.META_PHONE_NUMBER_ID ?? "", META_WABA_ID: cfg.META_WABA_ID ?? "" };
  const accounts = await openAccounts({ db, file: cfg.ACCOUNTS_FILE, single, env, withSecrets: "tokens" });
  const first = new Map<string, string>(); // WABA → its first number (the client needs one; templates ignore it)
  for (const n of accounts.numbers) if (!first.has(n.wabaId)) first.set(n.wabaId, n.phoneNumberId);
  return [...first].map(([wabaId, number]) => ({ wabaId, meta: client(wabaId, accounts.token(wabaId), number) }));
}
