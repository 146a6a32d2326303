import { DEFAULT_CHANNEL } from "@wa/config";
import { type AuditActor, type Consent, type CustomerRow, type Executor, writeAudit } from "@wa/db";
import { sql } from "kysely";
import { insertCustomerIfMissing } from "./customers.js";
import { isBsuid } from "./identity.js";

/**
 * The customer id that holds each given id's history: the customer an alias points at, else the id itself.
 * Only BSUIDs have aliases (a phone is always its own customer id), so phone-only lists cost no query.
 */
export async function resolveCustomerIds(
  db: Executor,
  channel: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map(ids.map((id) => [id, id]));
  const bsuids = [...new Set(ids.filter(isBsuid))];
  if (bsuids.length === 0) return out;
  const rows = await db
    .selectFrom("customer_aliases")
    .select(["alias", "customer_id"])
    .where("channel", "=", channel)
    .where("alias", "in", bsuids)
    .execute();
  for (const r of rows) out.set(r.alias, r.customer_id);
  return out;
}

export async function resolveCustomerId(db: Executor, customerId: string, channel = DEFAULT_CHANNEL): Promise<string> {
  return (await resolveCustomerIds(db, channel, [customerId])).get(customerId) ?? customerId;
}

interface LinkResult {
  readonly customerId: string; // the customer that holds both ids now
  readonly merged: string | null; // the customer id folded into it (its row is gone), if two customers existed
  readonly linked: boolean; // a new alias was recorded
}

// Stricter consent first: a STOP on either side stays a STOP; a recorded grant beats "unknown" (no decision).
const STRICTNESS: Record<Consent, number> = { revoked: 2, granted: 1, unknown: 0 };

type Side = Pick<CustomerRow, "marketing_consent" | "marketing_consent_source" | "marketing_consent_at">;
type USide = Pick<CustomerRow, "utility_consent" | "utility_consent_source" | "utility_consent_at">;

function pick<T extends Consent>(a: T, aAt: Date | null, b: T, bAt: Date | null): "a" | "b" {
  if (STRICTNESS[a] !== STRICTNESS[b]) return STRICTNESS[a] > STRICTNESS[b] ? "a" : "b";
  return (bAt?.getTime() ?? 0) > (aAt?.getTime() ?? 0) ? "b" : "a"; // same status: the newer record
}

function mergedConsent(s: CustomerRow, l: CustomerRow) {
  const m: Side =
    pick(s.marketing_consent, s.marketing_consent_at, l.marketing_consent, l.marketing_consent_at) === "a" ? s : l;
  const u: USide =
    pick(s.utility_consent, s.utility_consent_at, l.utility_consent, l.utility_consent_at) === "a" ? s : l;
  return {
    marketing_consent: m.marketing_consent,
    marketing_consent_source: m.marketing_consent_source,
    marketing_consent_at: m.marketing_consent_at,
    utility_consent: u.utility_consent,
    utility_consent_source: u.utility_consent_source,
    utility_consent_at: u.utility_consent_at,
  };
}

/**
 * Records that `phone` and `bsuid` name one person (a webhook carried both). Inside the caller's transaction.
 * The merge rule is deterministic, whatever order webhooks arrive in: the customer keyed by the phone number
 * always holds the history (created when only the BSUID had a customer), so a phone id never needs resolving and
 * only BSUIDs have aliases. A BSUID customer of its own is folded into it: messages, conversations, tags, and
 * consent with the stricter side winning. A BSUID that pointed at another phone's customer (a changed number)
 * now points at this one; two phone customers are never merged (two numbers are two WhatsApp accounts).
 * Audited (`customer.linked` / `customer.merged`). Callers drop both ids' cache entries after commit.
 */
export async function linkCustomerIds(
  tx: Executor,
  ids: { readonly phone: string; readonly bsuid: string; readonly channel?: string },
  actor: AuditActor,
): Promise<LinkResult> {
  const channel = ids.channel ?? DEFAULT_CHANNEL;
  const { phone, bsuid } = ids;
  const key = { customerId: phone, channel };
  await insertCustomerIfMissing(tx, key);
  const held = await resolveCustomerId(tx, bsuid, channel);
  const rows = await tx
    .selectFrom("customers")
    .selectAll()
    .where("channel", "=", channel)
    .where("customer_id", "in", [...new Set([phone, held])])
    .orderBy("customer_id") // one lock order for every caller: no deadlock between two links
    .forUpdate()
    .execute();
  const survivor = rows.find((r) => r.customer_id === phone)!;
  const loser = held === bsuid ? (rows.find((r) => r.customer_id === bsuid) ?? null) : null;
  const folded = loser ? await fold(tx, channel, survivor, loser) : null;
  if (held !== phone) {
    await tx
      .insertInto("customer_aliases")
      .values({ channel, alias: bsuid, customer_id: phone, kind: "bsuid" })
      .onConflict((oc) => oc.columns(["channel", "alias"]).doUpdateSet({ customer_id: phone }))
      .execute();
  }
  // The phone customer carries its current BSUID (Meta regenerates it when the user changes number).
  await tx
    .updateTable("customers")
    .set({ bsuid, updated_at: sql`clock_timestamp()` })
    .where("channel", "=", channel)
    .where("customer_id", "=", phone)
    .where((eb) => eb("bsuid", "is", null).or("bsuid", "<>", bsuid))
    .execute();
  const linked = held !== phone;
  if (linked) {
    await writeAudit(tx, {
      actor,
      action: loser ? "customer.merged" : "customer.linked",
      subjectType: "customer",
      subjectId: phone,
      details: {
        phone,
        bsuid,
        ...(loser ? { merged_customer_id: loser.customer_id, ...folded } : {}),
        ...(held !== bsuid ? { previous_customer_id: held } : {}),
      },
    });
  }
  return { customerId: phone, merged: loser?.customer_id ?? null, linked };
}

/** Moves everything of `l` onto `s` and deletes `l` (both rows locked by the caller); what it did, for the audit. */
async function fold(tx: Executor, channel: string, s: CustomerRow, l: CustomerRow) {
  const [sid, lid] = [s.customer_id, l.customer_id];
  const consent = mergedConsent(s, l);
  // Messages not yet at Meta keep going to the id they were addressed to (content.to, read by the sender).
  const moved = await tx
    .updateTable("messages")
    .set({
      customer_id: sid,
      content: sql`CASE WHEN direction = 'outbound' AND status IN ('scheduled', 'queued', 'sending', 'retrying')
        AND NOT (content ? 'to') THEN content || jsonb_build_object('to', ${lid}::text) ELSE content END`,
    })
    .where("channel", "=", channel)
    .where("customer_id", "=", lid)
    .executeTakeFirst();
  // One active care window per customer: the two fold into the survivor's, which stays open as long as either.
  const active = await tx
    .selectFrom("conversations")
    .selectAll()
    .where("channel", "=", channel)
    .where("customer_id", "in", [sid, lid])
    .where("status", "=", "active")
    .execute();
  const sa = active.find((c) => c.customer_id === sid);
  const la = active.find((c) => c.customer_id === lid);
  if (sa && la) {
    await tx
      .updateTable("conversations")
      .set({
        opened_at: sql`LEAST(opened_at, ${la.opened_at})`,
        last_inbound_at: sql`GREATEST(last_inbound_at, ${la.last_inbound_at})`,
        last_outbound_at: sql`GREATEST(last_outbound_at, ${la.last_outbound_at})`,
        window_expires_at: sql`GREATEST(window_expires_at, ${la.window_expires_at})`,
        updated_at: sql`clock_timestamp()`,
      })
      .where("id", "=", sa.id)
      .execute();
    await tx.deleteFrom("conversations").where("id", "=", la.id).execute();
  }
  await tx
    .updateTable("conversations")
    .set({ customer_id: sid })
    .where("channel", "=", channel)
    .where("customer_id", "=", lid)
    .execute();
  await tx
    .updateTable("customer_aliases")
    .set({ customer_id: sid })
    .where("channel", "=", channel)
    .where("customer_id", "=", lid)
    .execute();
  await tx.deleteFrom("customers").where("id", "=", l.id).execute();
  await tx
    .updateTable("customers")
    .set({
      ...consent,
      tags: sql`ARRAY(SELECT DISTINCT t FROM unnest(${sql.val(s.tags)}::text[] || ${sql.val(l.tags)}::text[]) t ORDER BY t)`,
      display_name: s.display_name ?? l.display_name,
      phone: s.phone ?? l.phone,
      country: s.country ?? l.country,
      timezone: s.timezone ?? l.timezone,
      last_inbound_at: latest(s.last_inbound_at, l.last_inbound_at),
      last_outbound_at: latest(s.last_outbound_at, l.last_outbound_at),
      updated_at: sql`clock_timestamp()`,
    })
    .where("id", "=", s.id)
    .execute();
  return {
    moved_messages: Number(moved.numUpdatedRows),
    marketing_consent: {
      survivor: s.marketing_consent,
      merged: l.marketing_consent,
      result: consent.marketing_consent,
    },
    utility_consent: { survivor: s.utility_consent, merged: l.utility_consent, result: consent.utility_consent },
  };
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() >= b.getTime() ? a : b;
}
