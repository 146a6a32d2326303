import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { PolicyError, loadPolicies } from "@wa/compliance";
import { pendingMigrations, permanentDbError } from "@wa/db";
import { RateCardError, rateCard } from "@wa/meta";
import type { Logger } from "@wa/observability";
import type { ToolDeps } from "./deps.js";
import type { Tool } from "./tools/define-tool.js";

/**
 * Pending migrations and a database that can never answer (wrong name, password or role) stop the gateway;
 * an unreachable one does not (tools answer UNAVAILABLE until it is back).
 */
export async function schemaIsCurrent(deps: ToolDeps, log: Logger): Promise<boolean> {
  try {
    const pending = await pendingMigrations(deps.db);
    if (pending.length === 0) return true;
    log.fatal({ pending }, "database schema is behind: run `pnpm migrate` first");
    return false;
  } catch (err) {
    const permanent = permanentDbError(err);
    if (permanent !== null) {
      log.fatal(
        { cause: permanent },
        `cannot start: postgres refused DATABASE_URL: ${permanent}; fix DATABASE_URL (environment or .env)`,
      );
      return false;
    }
    log.warn(
      { err },
      "postgres unreachable at start; migrations not checked, database tools answer UNAVAILABLE until it is back",
    );
    return true;
  }
}

/** compliance.md: policies are upserted from POLICIES_FILE at start; a malformed file stops the gateway. */
export async function policiesLoaded(deps: ToolDeps, log: Logger): Promise<boolean> {
  const file = resolve(deps.cfg.POLICIES_FILE);
  if (!existsSync(file)) {
    log.warn(
      { file },
      "policies file not found; the policies already in the database apply (set POLICIES_FILE to an absolute path)",
    );
    return true;
  }
  try {
    const policies = await loadPolicies(deps.db, file);
    deps.compliance.invalidatePolicies();
    log.info({ file, policies: policies.length }, "policies loaded");
    return true;
  } catch (err) {
    if (err instanceof PolicyError) {
      log.fatal({ file, policy_ids: err.policyIds, problem: err.message }, "policies file is invalid");
      return false;
    }
    log.warn({ err, file }, "policies not loaded (database unreachable?); the stored ones apply");
    return true;
  }
}

export function warnUnknownTools(disabled: readonly string[], tools: readonly Tool[], log: Logger): void {
  const known = new Set(tools.map((t) => t.name));
  const unknown = disabled.filter((n) => !known.has(n));
  if (unknown.length) log.warn({ unknown }, "DISABLED_TOOLS names tools that do not exist");
}

/** RATE_CARD_FILE is read and validated at start: a broken rate card stops the gateway with every problem named. */
export function rateCardLoaded(deps: ToolDeps, log: Logger): boolean {
  try {
    const card = rateCard(deps.cfg.RATE_CARD_FILE);
    log.info({ file: deps.cfg.RATE_CARD_FILE ?? "bundled", rows: card.rows.length }, "rate card loaded");
    return true;
  } catch (err) {
    if (!(err instanceof RateCardError)) throw err;
    log.fatal({ problem: err.message }, "rate card is invalid");
    return false;
  }
}
