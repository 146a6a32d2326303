import type { NumberAccount } from "@wa/accounts";
import type { syncTemplates, WabaTemplates } from "@wa/compliance";
import type { ToolDeps } from "./deps.js";

/**
 * What the gateway's template syncs read (at start, sync_webhooks): every WABA of the accounts once, through the
 * Graph client of one of its numbers (the WABA's token: a token sees only its own WABA's templates).
 */
export function templateSync(
  deps: Pick<ToolDeps, "db" | "accounts" | "graph" | "compliance" | "now">,
): Parameters<typeof syncTemplates>[0] {
  const first = new Map<string, NumberAccount>();
  for (const n of deps.accounts.numbers) if (!first.has(n.wabaId)) first.set(n.wabaId, n);
  const wabas: WabaTemplates[] = [...first.values()].map((n) => ({ wabaId: n.wabaId, meta: deps.graph.of(n).meta }));
  return { db: deps.db, wabas, compliance: deps.compliance, now: deps.now };
}
