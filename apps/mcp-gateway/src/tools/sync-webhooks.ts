import { publishOutbound } from "@wa/bus";
import { syncTemplates } from "@wa/compliance";
import { writeAudit } from "@wa/db";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";
import { templateSync } from "../template-sync.js";
import { defineTool } from "./define-tool.js";

const STUCK_AFTER_MS = 30_000; // a queued row older than this missed its publish (NATS was down)
const MAX_REPUBLISH = 1000;

export const syncWebhooks = defineTool({
  name: "sync_webhooks",
  title: "Catch up on missed webhooks",
  description:
    "Repairs what missed webhooks would have told us: re-reads every template's status from Meta into the gateway (every WhatsApp Business Account of this deployment), and hands messages stuck in queued for more than 30 s back to the delivery workers. Use it after an outage (webhook receiver or NATS down), or when template statuses or message statuses look stale. Safe to repeat.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: {},
  output: {
    templates_synced: z.number().int().describe("templates re-read from Meta (0 when Meta was unreachable; see notes)"),
    messages_reconciled: z.number().int().describe("stuck queued messages handed back to the delivery workers"),
    notes: z.array(z.string()),
  },
  run: async (_input, deps) => {
    const notes: string[] = [];
    const messages = await republishStuck(deps, notes);
    const synced = await syncTemplates(templateSync(deps)); // every WABA, each with its own token
    const templates = synced.ok ? synced.synced : 0;
    if (!synced.ok) notes.push(`Templates not synced: ${synced.problem}`);
    await writeAudit(deps.db, {
      actor: deps.actor,
      action: "webhooks.synced",
      subjectType: "gateway",
      subjectId: "sync_webhooks",
      details: { templates_synced: templates, messages_reconciled: messages, notes },
    });
    return { templates_synced: templates, messages_reconciled: messages, notes };
  },
});

async function republishStuck(deps: ToolDeps, notes: string[]): Promise<number> {
  const cutoff = new Date(deps.now() - STUCK_AFTER_MS);
  const rows = await deps.db
    .selectFrom("messages")
    .select("id")
    .where("direction", "=", "outbound")
    .where("status", "=", "queued")
    .where((eb) => eb(eb.fn.coalesce("queued_at", "created_at"), "<", cutoff))
    .orderBy("created_at")
    .limit(MAX_REPUBLISH)
    .execute();
  if (rows.length === 0) return 0;
  const js = deps.bus.js();
  if (!js) {
    notes.push(
      `${rows.length} queued message(s) wait for NATS, which is unreachable; the scheduler republishes them when it is back.`,
    );
    return 0;
  }
  let done = 0;
  for (const { id } of rows) {
    // Outside the 2 min duplicate window a republish is a new copy; the worker's claim makes it harmless.
    const r = await publishOutbound(
      js,
      deps.bus.names,
      { message_id: id },
      { msgId: `reconcile:${id}:${Math.floor(deps.now() / 120_000)}` },
    );
    if (!r.duplicate) done += 1;
  }
  if (rows.length === MAX_REPUBLISH)
    notes.push(`Only the oldest ${MAX_REPUBLISH} stuck messages were republished; call again for more.`);
  return done;
}
