import type { Database } from "@wa/db";
import { createStateStore } from "@wa/state";
import { type Kysely, sql } from "kysely";
import type { Redis } from "ioredis";

export interface ConsentDeps {
  readonly redis?: Redis;
  readonly keyPrefix?: string;
  readonly now: number;
  /** The number a state key without one means (accounts: the default number); none = windows carry no number. */
  readonly phoneNumberId?: string;
}

/** Sources written by user signals; only these can supersede an older opt-out. */
export const META_OPT_OUT_SOURCE = "meta_opt_out"; // a send failed with 131050: the user stopped marketing in WhatsApp
const USER_SIGNAL_SOURCES: ReadonlySet<string> = new Set(["inbound_keyword", "user_preferences", META_OPT_OUT_SOURCE]);

/**
 * Sets marketing consent from a user signal (keyword or user_preferences) with the signal's own time, so
 * webhooks arriving out of order end in the state of the user's latest signal: a signal older than the
 * recorded change is skipped — except an opt-out, which only a newer *user* signal can supersede
 * (an opt-out is always honoured over an agent's or import's later grant).
 */
export async function consentFromSignal(
  tx: Kysely<Database>,
  deps: ConsentDeps,
  who: { readonly customerId: string; readonly channel: string },
  to: "granted" | "revoked",
  signalAt: number,
  meta: { source: string; details: Record<string, unknown> },
): Promise<{ changed: boolean; stale: boolean }> {
  const at = Math.min(signalAt, deps.now);
  const { customerId, channel } = who;
  const key = { customerId, channel };
  const store = createStateStore({
    db: tx,
    redis: deps.redis,
    keyPrefix: deps.keyPrefix,
    phoneNumberId: deps.phoneNumberId,
    now: () => at,
  });
  // Row locked until commit (upsert), so two signals for one customer compare their times one after the other.
  await store.upsertCustomer(key);
  const cur = await tx
    .selectFrom("customers")
    .select(["marketing_consent_at", "marketing_consent_source"])
    .where("channel", "=", channel)
    .where("customer_id", "=", customerId)
    .forUpdate()
    .executeTakeFirst();
  const newer = cur?.marketing_consent_at != null && cur.marketing_consent_at.getTime() > at;
  const byUser = USER_SIGNAL_SOURCES.has(cur?.marketing_consent_source ?? "");
  if (newer && (to === "granted" || byUser)) return { changed: false, stale: true };
  const r = await store.setConsent(
    key,
    { marketing: to },
    { source: meta.source, actor: "webhook", details: meta.details },
  );
  if (r.changed.length === 0 && (!cur?.marketing_consent_at || cur.marketing_consent_at.getTime() < at)) {
    // Same value, newer signal: @wa/state keeps the old time and source, but the latest signal must be the
    // one on record, or an older opposite signal arriving later would win.
    await tx
      .updateTable("customers")
      .set({
        marketing_consent_at: new Date(at),
        marketing_consent_source: meta.source,
        updated_at: sql`clock_timestamp()`,
      })
      .where("channel", "=", channel)
      .where("customer_id", "=", customerId)
      .execute();
    await store.invalidate(key);
  }
  return { changed: r.changed.length > 0, stale: false };
}
