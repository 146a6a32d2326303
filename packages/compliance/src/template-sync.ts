import type { Db } from "@wa/db";
import { explainMetaFailure, type MetaClient } from "@wa/meta";
import type { Compliance } from "./compliance.js";
import { upsertTemplates } from "./template-writes.js";

export interface TemplateSyncDeps {
  readonly db: Db;
  readonly meta: Pick<MetaClient, "listAllTemplates">;
  /** This process's rule cache, dropped after the sync; other processes' caches expire on their own (15 s). */
  readonly compliance?: Pick<Compliance, "invalidateTemplate">;
  readonly now: () => number;
}

export type SyncOutcome = { ok: true; synced: number } | { ok: false; problem: string };

/**
 * Re-reads every template from Meta into the templates table: the scheduler's periodic sync, the gateway's
 * start-up sync, sync_webhooks and the console's "sync now" all call this one function. The outcome is kept in
 * template_sync_state so `pnpm run doctor` and operators can see when the copy was last refreshed.
 */
export async function syncTemplates(deps: TemplateSyncDeps): Promise<SyncOutcome> {
  const live = await deps.meta.listAllTemplates();
  const at = new Date(deps.now());
  if (!live.ok) {
    const problem = explainMetaFailure(live.error).human_explanation;
    await deps.db.updateTable("template_sync_state").set({ problem }).execute();
    return { ok: false, problem };
  }
  const synced = await upsertTemplates(deps.db, live.value, at);
  await deps.db
    .updateTable("template_sync_state")
    .set({ synced_at: at, synced_count: synced, problem: null })
    .execute();
  deps.compliance?.invalidateTemplate();
  return { ok: true, synced };
}
