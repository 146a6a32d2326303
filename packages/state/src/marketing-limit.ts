import { writeAudit, type AuditActor } from "@wa/db";
import { WINDOW_MS } from "@wa/config";
import { sql } from "kysely";
import { channelOf, type Executor, insertCustomerIfMissing } from "./customers.js";
import type { CustomerKey } from "./types.js";

/** Meta: wait at least 24 h after a 131049 before the next marketing message (meta-api.md, per-user limits). */
const MARKETING_LIMIT_MS = WINDOW_MS;

export interface MarketingLimitMeta {
  readonly actor: AuditActor;
  readonly details: Record<string, unknown>; // the message id and Meta's code
}

/**
 * Meta refused marketing to this customer (131049): no marketing until `at` + 24 h. Forward only, so a late
 * webhook never shortens a longer block. Returns the moment the limit ends.
 */
export async function markMarketingLimited(
  db: Executor,
  key: CustomerKey,
  at: number,
  meta: MarketingLimitMeta,
): Promise<Date> {
  const until = new Date(at + MARKETING_LIMIT_MS);
  await insertCustomerIfMissing(db, key);
  const row = await db
    .updateTable("customers")
    .set({
      marketing_limited_until: sql`GREATEST(COALESCE(marketing_limited_until, ${until}), ${until})`,
      updated_at: sql`clock_timestamp()`,
    })
    .where("channel", "=", channelOf(key))
    .where("customer_id", "=", key.customerId)
    .returning("marketing_limited_until")
    .executeTakeFirstOrThrow();
  const limitedUntil = row.marketing_limited_until ?? until;
  await writeAudit(db, {
    actor: meta.actor,
    action: "customer.marketing_limited",
    subjectType: "customer",
    subjectId: key.customerId,
    details: { ...meta.details, channel: channelOf(key), until: limitedUntil.toISOString() },
  });
  return limitedUntil;
}
