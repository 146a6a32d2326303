import { WINDOW_MS } from "@wa/config";
import { type Database, writeAudit } from "@wa/db";
import type { InboundMessageEvent } from "@wa/meta";
import { createStateStore, customerIdKind, isBsuid, linkCustomerIds, resolveCustomerId } from "@wa/state";
import type { Kysely } from "kysely";
import { type ConsentDeps, consentFromSignal } from "./consent.js";
import type { KeywordAction, KeywordMatcher } from "./keywords.js";
import type { Route } from "./routing.js";

export interface InboundResult {
  readonly customerId: string;
  readonly relinked: readonly string[]; // ids whose cached state changed by a link or merge: dropped after commit
  readonly keyword: { action: "opt_out" | "opt_in"; keyword: string; changed: boolean; stale: boolean } | null;
}

/** A @wa/state key: the customer on its business's channel, and the number for the window. */
export interface StateKey {
  readonly customerId: string;
  readonly channel: string;
  readonly phoneNumberId?: string;
}

/** The state key of a customer on a routed event: the business's channel and, for the window, the number. */
export const keyOf = (customerId: string, route: Route): StateKey => ({
  customerId,
  channel: route.channel,
  ...(route.number ? { phoneNumberId: route.number.phoneNumberId } : {}),
});

/**
 * A user message: customer, stored message, care window (from the message's own time), keyword consent. The
 * customer and its consent are the business's (route.channel: a STOP to one number holds for all its numbers);
 * the window is the number's (route.number).
 */
export async function applyInbound(
  tx: Kysely<Database>,
  ev: InboundMessageEvent,
  route: Route,
  deps: ConsentDeps & { keywords: KeywordMatcher; sanitized: readonly string[] },
): Promise<InboundResult | null> {
  const { channel } = route;
  const link = await customerOf(tx, channel, ev.from, ev.fromUserId ?? ev.contact?.userId ?? null, ev.customerKey);
  if (link === null) return null; // neither E.164 digits nor a BSUID: nothing to key it on
  const { customerId, bsuid, phone, relinked } = link;
  const at = ev.timestamp ?? deps.now;
  const key = keyOf(customerId, route);
  const store = createStateStore({
    db: tx,
    redis: deps.redis,
    keyPrefix: deps.keyPrefix,
    phoneNumberId: deps.phoneNumberId,
    now: () => deps.now,
  });
  // The profile name of the newest message wins, whatever order the webhooks arrive in.
  // Locked first, so two messages of one new customer compare their times one after the other.
  await store.upsertCustomer(key, { bsuid, phone });
  const before = await tx
    .selectFrom("customers")
    .select("last_inbound_at")
    .where("channel", "=", channel)
    .where("customer_id", "=", customerId)
    .forUpdate()
    .executeTakeFirst();
  const newest = !before?.last_inbound_at || before.last_inbound_at.getTime() <= at;
  await store.recordInbound(key, at, {
    displayName: newest ? (ev.contact?.name ?? null) : null,
    bsuid,
    phone,
  });
  if (await sessionStartedEarlier(tx, key, Math.min(at, deps.now))) await store.invalidate(key);
  await tx
    .insertInto("messages")
    .values({
      channel, // the business's: the customer row lives there (another business's message would miss it)
      customer_id: customerId,
      phone_number_id: ev.phoneNumberId,
      direction: "inbound",
      category: null,
      kind: ev.content.type,
      // `sanitized`: paths of values replaced so Postgres could store them (NUL, lone surrogates, hostile nesting).
      content: JSON.stringify({
        ...ev.content,
        text: ev.text,
        context: ev.context,
        referral: ev.referral,
        errors: ev.errors,
        ...(deps.sanitized.length > 0 ? { sanitized: deps.sanitized } : {}),
      }),
      template_name: null,
      template_locale: null,
      status: "received",
      wamid: ev.wamid,
      error_code: null,
      error_title: null,
      error_details: null,
      error_explanation: null,
      status_reason: null,
      deliver_at: null,
      campaign_id: null,
      idempotency_key: null,
      request_hash: null,
      received_at: new Date(at),
    })
    .onConflict((oc) => oc.column("wamid").where("wamid", "is not", null).doNothing())
    .execute();

  const hit = keywordOf(deps.keywords, ev);
  if (!hit) return { customerId, relinked, keyword: null };
  const to = hit.action === "opt_out" ? "revoked" : "granted";
  const r = await consentFromSignal(tx, deps, { customerId, channel }, to, at, {
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
  return { customerId, relinked, keyword: { ...hit, ...r } };
}

/**
 * A keyword in what the user typed, or in the button or list row they tapped: its title first, then the
 * payload/id the business gave it ("Stop promotions" quick reply with payload "STOP" both count).
 */
function keywordOf(keywords: KeywordMatcher, ev: InboundMessageEvent): KeywordAction {
  const c = ev.content;
  const tapped = c.type === "button" ? [c.text, c.payload] : c.type === "interactive" ? [c.title, c.id] : [];
  for (const text of [ev.text, ...tapped]) {
    const hit = keywords(text);
    if (hit) return hit;
  }
  return null;
}

/**
 * @wa/state opens a session at the first message it *sees*; an older message of the same session that
 * arrives later moves the start back (its 24 h reach the recorded start), so the row does not depend on
 * arrival order. True when the row changed (the cached window is then dropped).
 */
async function sessionStartedEarlier(
  tx: Kysely<Database>,
  key: { customerId: string; channel: string; phoneNumberId?: string },
  at: number,
): Promise<boolean> {
  const r = await tx
    .updateTable("conversations")
    .set({ opened_at: new Date(at) })
    .where("channel", "=", key.channel)
    .where("customer_id", "=", key.customerId)
    .where((eb) =>
      key.phoneNumberId === undefined
        ? eb("phone_number_id", "is", null)
        : eb("phone_number_id", "=", key.phoneNumberId),
    )
    .where("status", "=", "active")
    .where("opened_at", ">", new Date(at))
    .where("opened_at", "<", new Date(at + WINDOW_MS))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * The customer a webhook's user ids name. Both a phone and a BSUID: Meta told us they are one person, so they
 * are linked (and two customers merged, @wa/state linkCustomerIds). One id: the customer holding it.
 */
export async function customerOf(
  tx: Kysely<Database>,
  channel: string,
  from: string | null,
  userId: string | null,
  customerKey: string,
): Promise<{ customerId: string; phone: string | null; bsuid: string | null; relinked: string[] } | null> {
  const phone = from !== null && customerIdKind(from) === "phone" ? from : null;
  const bsuid = userId !== null && isBsuid(userId) ? userId : null;
  if (phone && bsuid) {
    const r = await linkCustomerIds(tx, { phone, bsuid, channel }, "webhook");
    const relinked = r.linked ? [phone, bsuid, r.customerId, ...(r.merged ? [r.merged] : [])] : [];
    return { customerId: r.customerId, phone, bsuid, relinked };
  }
  if (customerIdKind(customerKey) === null) return null;
  return { customerId: await resolveCustomerId(tx, customerKey, channel), phone, bsuid, relinked: [] };
}
