import { type Database, writeAudit } from "@wa/db";
import type { InboundMessageEvent } from "@wa/meta";
import { createStateStore, customerIdKind, WINDOW_MS } from "@wa/state";
import type { Kysely } from "kysely";
import { type ConsentDeps, consentFromSignal } from "./consent.js";
import type { KeywordMatcher } from "./keywords.js";

export interface InboundResult {
  readonly customerId: string;
  readonly keyword: { action: "opt_out" | "opt_in"; keyword: string; changed: boolean; stale: boolean } | null;
}

/** A user message: customer, stored message, care window (from the message's own time), keyword consent. */
export async function applyInbound(
  tx: Kysely<Database>,
  ev: InboundMessageEvent,
  deps: ConsentDeps & { keywords: KeywordMatcher },
): Promise<InboundResult | null> {
  const customerId = ev.customerKey;
  if (customerIdKind(customerId) === null) return null; // neither E.164 digits nor a BSUID: nothing to key it on
  const at = ev.timestamp ?? deps.now;
  const key = { customerId };
  const store = createStateStore({ db: tx, redis: deps.redis, keyPrefix: deps.keyPrefix, now: () => deps.now });
  // The profile name of the newest message wins, whatever order the webhooks arrive in.
  // Locked first, so two messages of one new customer compare their times one after the other.
  await store.upsertCustomer(key, { bsuid: ev.fromUserId ?? ev.contact?.userId ?? null, phone: ev.from });
  const before = await tx.selectFrom("customers").select("last_inbound_at")
    .where("channel", "=", "whatsapp").where("customer_id", "=", customerId).forUpdate().executeTakeFirst();
  const newest = !before?.last_inbound_at || before.last_inbound_at.getTime() <= at;
  await store.recordInbound(key, at, {
    displayName: newest ? (ev.contact?.name ?? null) : null,
    bsuid: ev.fromUserId ?? ev.contact?.userId ?? null,
    phone: ev.from,
  });
  if (await sessionStartedEarlier(tx, customerId, Math.min(at, deps.now))) await store.invalidate(key);
  await tx
    .insertInto("messages")
    .values({
      customer_id: customerId,
      phone_number_id: ev.phoneNumberId,
      direction: "inbound",
      category: null,
      kind: ev.content.type,
      content: JSON.stringify({ ...ev.content, text: ev.text, context: ev.context, referral: ev.referral, errors: ev.errors }),
      template_name: null,
      template_locale: null,
      status: "received",
      wamid: ev.wamid,
      error_code: null, error_title: null, error_details: null, error_explanation: null, status_reason: null,
      deliver_at: null, campaign_id: null, idempotency_key: null, request_hash: null,
      received_at: new Date(at),
    })
    .onConflict((oc) => oc.column("wamid").doNothing())
    .execute();

  const hit = deps.keywords(ev.text);
  if (!hit) return { customerId, keyword: null };
  const to = hit.action === "opt_out" ? "revoked" : "granted";
  const r = await consentFromSignal(tx, deps, customerId, to, at, {
    source: "inbound_keyword",
    details: { keyword: hit.keyword, wamid: ev.wamid },
  });
  await writeAudit(tx, {
    actor: "webhook",
    action: hit.action === "opt_out" ? "inbound.opt_out_keyword" : "inbound.opt_in_keyword",
    subjectType: "customer",
    subjectId: customerId,
    details: { keyword: hit.keyword, wamid: ev.wamid, consent: to, changed: r.changed, superseded: r.stale },
  });
  return { customerId, keyword: { ...hit, ...r } };
}

/**
 * @wa/state opens a session at the first message it *sees*; an older message of the same session that
 * arrives later moves the start back (its 24 h reach the recorded start), so the row does not depend on
 * arrival order. True when the row changed (the cached window is then dropped).
 */
async function sessionStartedEarlier(tx: Kysely<Database>, customerId: string, at: number): Promise<boolean> {
  const r = await tx
    .updateTable("conversations")
    .set({ opened_at: new Date(at) })
    .where("channel", "=", "whatsapp").where("customer_id", "=", customerId).where("status", "=", "active")
    .where("opened_at", ">", new Date(at))
    .where("opened_at", "<", new Date(at + WINDOW_MS))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
