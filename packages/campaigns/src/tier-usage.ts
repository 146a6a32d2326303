import { WINDOW_MS } from "@wa/config"; // Meta's moving 24 h of the messaging-limit tier
import type { Db } from "@wa/db";
import type { MessagingTier } from "./tiers.js";

export interface TierUsage {
  readonly tier: MessagingTier;
  readonly used: number; // unique recipients of business-initiated messages in the last 24 h
  readonly remaining: number; // Infinity when unlimited
  readonly resumesAt: number | null; // epoch ms when one more recipient fits again; null when remaining > 0
}

/**
 * Counts the unique recipients of template (non-service) messages that any number of the business sent (created)
 * in the last 24 h and that did not fail or get cancelled: since October 2025 the tier is the portfolio's,
 * shared by all its numbers. Numbers no longer listed count too (their sends of the last day still do at Meta),
 * and a message that names no number is the default number's. Conservative: it also counts recipients inside an
 * open service window and messages not yet delivered, so we stay under Meta's limit rather than at it.
 */
export async function tierUsage(db: Db, tier: MessagingTier, now: number, businessId: string): Promise<TierUsage> {
  if (!Number.isFinite(tier.limit)) return { tier, used: 0, remaining: Number.POSITIVE_INFINITY, resumesAt: null };
  const since = new Date(now - WINDOW_MS);
  const recent = db
    .selectFrom("messages")
    .select(["customer_id", (eb) => eb.fn.max("created_at").as("last_at")])
    .where("direction", "=", "outbound")
    .where("category", "<>", "service")
    .where("status", "not in", ["failed", "cancelled"])
    .where("created_at", ">", since)
    .where((eb) =>
      eb.or([
        eb(
          "phone_number_id",
          "in",
          eb
            .selectFrom("phone_numbers as p")
            .innerJoin("wabas as w", "w.waba_id", "p.waba_id")
            .select("p.phone_number_id")
            .where("w.business_id", "=", businessId),
        ),
        eb.and([
          eb("phone_number_id", "is", null),
          eb.exists(
            eb
              .selectFrom("businesses")
              .select("business_id")
              .where("business_id", "=", businessId)
              .where("is_default", "=", true),
          ),
        ]),
      ]),
    )
    // A user is one per business: its customers live under the business's one channel.
    .groupBy(["channel", "customer_id"]);
  const { n } = await db
    .selectFrom(recent.as("r"))
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  const used = Number(n);
  const remaining = Math.max(0, tier.limit - used);
  if (remaining > 0) return { tier, used, remaining, resumesAt: null };
  // A recipient stops counting 24 h after their latest message: the (used - limit + 1)-th oldest frees a place.
  const row = await db
    .selectFrom(recent.as("r"))
    .select("r.last_at")
    .orderBy("r.last_at")
    .offset(used - tier.limit)
    .limit(1)
    .executeTakeFirst();
  const lastAt = row?.last_at ? new Date(row.last_at as Date).getTime() : now;
  return { tier, used, remaining, resumesAt: Math.max(now, lastAt + WINDOW_MS) };
}
