import type { Db } from "@wa/db";
import { explainMetaFailure, type MetaClient } from "@wa/meta";
import type { Compliance } from "./compliance.js";
import { upsertTemplates } from "./template-writes.js";

/** One WABA's templates as Meta lists them: its id and a client holding that WABA's token. */
export interface WabaTemplates {
  readonly wabaId?: string; // omitted: the default number's WABA (rows written before the accounts sync too)
  readonly meta: Pick<MetaClient, "listAllTemplates">;
}

interface SyncCommon {
  readonly db: Db;
  /** This process's rule cache, dropped after the sync; other processes' caches expire on their own (15 s). */
  readonly compliance?: Pick<Compliance, "invalidateTemplate">;
  readonly now: () => number;
}

/** Every WABA of the accounts (`wabas`), or one client (`meta`) whose templates are the default number's WABA's. */
export type TemplateSyncDeps = SyncCommon &
  ({ readonly wabas: readonly WabaTemplates[] } | { readonly meta: Pick<MetaClient, "listAllTemplates"> });

export type SyncOutcome = { ok: true; synced: number } | { ok: false; problem: string };

/**
 * Re-reads every template from Meta into the templates table, each WABA's with its own token and under its
 * waba_id (a token sees only its WABA's templates): the scheduler's periodic sync, the gateway's start-up sync,
 * sync_webhooks and the console's "sync now" all call this one function. A WABA Meta does not answer for keeps its
 * stored copy while the others are written; the outcome is kept in template_sync_state so `pnpm run doctor` and
 * operators can see when the copy was last refreshed.
 */
export async function syncTemplates(deps: TemplateSyncDeps): Promise<SyncOutcome> {
  const sources: readonly WabaTemplates[] = "wabas" in deps ? deps.wabas : [{ meta: deps.meta }];
  const at = new Date(deps.now());
  const problems: string[] = [];
  let synced = 0;
  for (const s of sources) {
    const live = await s.meta.listAllTemplates();
    if (!live.ok) {
      const why = explainMetaFailure(live.error).human_explanation;
      problems.push(sources.length > 1 && s.wabaId ? `WABA ${s.wabaId}: ${why}` : why);
      continue;
    }
    synced += await upsertTemplates(deps.db, live.value, at, s.wabaId);
  }
  deps.compliance?.invalidateTemplate();
  if (problems.length > 0) {
    // synced_at stays the last complete sync's: some WABA's copy is older
    const problem = problems.join(" ");
    await deps.db.updateTable("template_sync_state").set({ problem }).execute();
    return { ok: false, problem };
  }
  await deps.db
    .updateTable("template_sync_state")
    .set({ synced_at: at, synced_count: synced, problem: null })
    .execute();
  return { ok: true, synced };
}
