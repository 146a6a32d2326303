import type { Db } from "@wa/db";
import { explainMetaError, type StatusEvent } from "@wa/meta";
import { markMarketingLimited } from "@wa/state";
import { type ConsentDeps, consentFromSignal, META_OPT_OUT_SOURCE } from "./consent.js";
import { keyOf, type StateKey } from "./message.js";
import type { Route } from "./routing.js";
import { noteSanitized } from "./sanitize.js";
import { applyStatus, type StatusExecutor, type StatusResult } from "./status.js";

const categoryOf = (ev: StatusEvent) => {
  const code = ev.status === "failed" ? (ev.errors[0]?.code ?? null) : null;
  return code === null ? null : explainMetaError(code).category;
};

/**
 * A status that needs more than its row commits in a transaction with it: the consent revoke of a 131050
 * failure (the user stopped marketing in WhatsApp), the 24 h marketing limit of a 131049 failure (Meta's
 * per-user limit or US pause), or a note of a sanitized value. Every other status is plain (status-batch.ts).
 */
export function needsTransaction(ev: StatusEvent, sanitized: readonly string[]): boolean {
  const category = categoryOf(ev);
  return category === "opted_out" || category === "wait_24h" || sanitized.length > 0;
}

/**
 * One status and what must commit with it, in one transaction; the customers whose cache is stale go to
 * `cacheKeys`. The revoke and the limit are the business's (route.channel), like the message's customer.
 */
export function applyStatusInTransaction(
  ex: Pick<StatusExecutor, "defaultNumber"> & { readonly db: Db },
  deps: ConsentDeps,
  ev: StatusEvent,
  route: Route,
  key: string,
  sanitized: readonly string[],
  cacheKeys: StateKey[],
): Promise<StatusResult> {
  const category = categoryOf(ev);
  const t = deps.now;
  return ex.db.transaction().execute(async (trx) => {
    const r = await applyStatus({ db: trx, defaultNumber: ex.defaultNumber }, ev, key, t);
    if (r.outcome !== "applied") return r;
    if (sanitized.length > 0) await noteSanitized(trx, ev, key, sanitized);
    if (category === "opted_out" && r.failedCode !== null) {
      cacheKeys.push(keyOf(r.customerId, route));
      await consentFromSignal(
        trx,
        deps,
        { customerId: r.customerId, channel: route.channel },
        "revoked",
        ev.timestamp ?? t,
        {
          source: META_OPT_OUT_SOURCE,
          details: { message_id: r.messageId, code: r.failedCode },
        },
      );
    }
    if (category === "wait_24h" && r.failedCode !== null) {
      cacheKeys.push(keyOf(r.customerId, route));
      await markMarketingLimited(trx, { customerId: r.customerId, channel: route.channel }, ev.timestamp ?? t, {
        actor: "webhook",
        details: { message_id: r.messageId, code: r.failedCode },
      });
    }
    return r;
  });
}
