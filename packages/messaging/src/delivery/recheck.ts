import { type ConsentFact, type Denied, recheckQueued, windowOf } from "@wa/compliance";
import type { ClaimedRow } from "./types.js";

const fact = (status: ConsentFact["status"] | null): ConsentFact => ({
  status: status ?? "unknown",
  source: null,
  at: null,
});

/**
 * The compliance rules that can change while a message waits (an opt-out since enqueue, a window that closed
 * before a free-form message went, Meta's per-user marketing limit hit meanwhile), asked of @wa/compliance with
 * the claimed row's facts. Null: it may go.
 */
export function recheck(row: ClaimedRow, now: number): Denied | null {
  if (row.category === null) return null; // legacy rows without a category were decided in full at enqueue
  const d = recheckQueued(
    {
      now,
      customer: {
        consent: { marketing: fact(row.marketing_consent), utility: fact(row.utility_consent) },
        tags: [],
        timezone: null,
        marketingLimitedUntil: row.marketing_limited_until?.getTime() ?? null,
      },
      window: windowOf(row.last_inbound_at?.getTime() ?? null),
      sentAt: [],
      policies: [],
    },
    { customer_id: row.customer_id, message_type: row.category, channel: row.channel },
  );
  return d.allowed ? null : d;
}
