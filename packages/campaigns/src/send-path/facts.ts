import { loadTemplate, parsePolicy, type CustomerFacts, type Policy, type TemplateLookup } from "@wa/compliance";
import type { Db } from "@wa/db";
import { sql } from "kysely";
import type { Trx } from "../lock.js";

const DAY_MS = 86_400_000;

export interface BulkFacts {
  readonly customers: ReadonlyMap<string, CustomerFacts & { readonly lastInboundAt: number | null }>;
  readonly slots: ReadonlyMap<string, readonly SlotRow[]>; // marketing slots held in the rolling 24 h
  readonly template: TemplateLookup;
  readonly policies: readonly Policy[];
}

export interface SlotRow {
  readonly slotId: string; // the message holding it
  readonly at: number; // epoch ms: COALESCE(queued_at, created_at), as @wa/state counts it
}

/** What @wa/compliance's decide() reads, for a whole page in four queries (its shell reads one customer). */
export async function loadBulkFacts(db: Db, channel: string, ids: readonly string[], template: { name: string; locale: string }, now: number): Promise<BulkFacts> {
  const [rows, slots, tpl, policies] = await Promise.all([
    ids.length === 0 ? [] : db.selectFrom("customers").selectAll().where("channel", "=", channel).where("customer_id", "in", ids).execute(),
    slotsOf(db, channel, ids, now),
    loadTemplate(db, template.name, template.locale),
    db.selectFrom("policies").selectAll().where("enabled", "=", true).orderBy("id").execute(),
  ]);
  const customers = new Map(rows.map((r) => [r.customer_id, {
    consent: {
      marketing: { status: r.marketing_consent, source: r.marketing_consent_source, at: r.marketing_consent_at?.getTime() ?? null },
      utility: { status: r.utility_consent, source: r.utility_consent_source, at: r.utility_consent_at?.getTime() ?? null },
    },
    tags: r.tags,
    timezone: r.timezone,
    lastInboundAt: r.last_inbound_at?.getTime() ?? null,
  }]));
  // Fail closed like the engine's own catalog: a malformed policy row throws, it is never skipped.
  const parsed = policies.map((p) => parsePolicy({ id: p.id, name: p.name, type: p.type, channel: p.channel, message_type: p.message_type, enabled: p.enabled, rules: p.rules }, "policies table"));
  return { customers, slots, template: tpl, policies: parsed };
}

/** Marketing slots per customer (same definition as @wa/state's loadSlotEntries). */
export async function slotsOf(db: Db | Trx, channel: string, ids: readonly string[], now: number): Promise<Map<string, SlotRow[]>> {
  const out = new Map<string, SlotRow[]>();
  if (ids.length === 0) return out;
  const at = sql<Date>`COALESCE(queued_at, created_at)`;
  const rows = await db
    .selectFrom("messages")
    .select(["id", "customer_id", at.as("at")])
    .where("channel", "=", channel)
    .where("customer_id", "in", ids)
    .where("counts_toward_cap", "=", true)
    .where(at, ">", new Date(now - DAY_MS))
    .orderBy("at")
    .execute();
  for (const r of rows) {
    const list = out.get(r.customer_id) ?? [];
    list.push({ slotId: r.id, at: new Date(r.at).getTime() });
    out.set(r.customer_id, list);
  }
  return out;
}
