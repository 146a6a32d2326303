import { refuse, type Refusal } from "@wa/contract";
import type { Db } from "@wa/db";
import type { Trx } from "./lock.js";

/**
 * The business number a campaign sends from, as Postgres knows it (every app upserts accounts.yaml, or the
 * META_* variables, at start). Read from the database rather than an in-memory registry so the gateway and the
 * worker agree, an inactive number is still found for a running campaign, and throughput_mps is the current one
 * (the THROUGHPUT_UPGRADE webhook raises it).
 */
export interface CampaignNumber {
  readonly phoneNumberId: string;
  readonly displayPhoneNumber: string | null;
  readonly wabaId: string;
  readonly businessId: string;
  readonly channel: string; // where the business keeps its customers, consent and caps
  readonly isDefault: boolean;
  readonly active: boolean;
  readonly throughputMps: number;
  readonly messagingLimitTier: string | null; // the portfolio's last known tier (webhooks), shared by its numbers
}

const digitsOf = (s: string): string => s.replace(/\D/g, "");

function numbers(db: Db | Trx) {
  return db
    .selectFrom("phone_numbers as p")
    .innerJoin("wabas as w", "w.waba_id", "p.waba_id")
    .innerJoin("businesses as b", "b.business_id", "w.business_id")
    .select([
      "p.phone_number_id",
      "p.display_phone_number",
      "p.waba_id",
      "p.is_default",
      "p.active",
      "p.throughput_mps",
      "b.business_id",
      "b.channel",
      "b.messaging_limit_tier",
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof numbers>["executeTakeFirstOrThrow"]>>;

const toNumber = (r: Row): CampaignNumber => ({
  phoneNumberId: r.phone_number_id,
  displayPhoneNumber: r.display_phone_number,
  wabaId: r.waba_id,
  businessId: r.business_id,
  channel: r.channel,
  isDefault: r.is_default,
  active: r.active,
  throughputMps: r.throughput_mps,
  messagingLimitTier: r.messaging_limit_tier,
});

/**
 * A number by phone_number_id, or the default number for null (a campaign from before the accounts sync).
 * Inactive numbers are found too: the caller decides what a campaign from a number no longer listed does.
 */
export async function campaignNumber(db: Db | Trx, phoneNumberId: string | null): Promise<CampaignNumber | null> {
  const r = await numbers(db)
    .$if(phoneNumberId === null, (q) => q.where("p.is_default", "=", true))
    .$if(phoneNumberId !== null, (q) => q.where("p.phone_number_id", "=", phoneNumberId ?? ""))
    .executeTakeFirst();
  return r ? toNumber(r) : null;
}

/**
 * schedule_campaign's `from`: an active number by phone_number_id or display number (digits compared, as
 * @wa/accounts resolve does); undefined = the default number. `null` when the database knows no number at all
 * yet (no app has synced accounts): the campaign then names none and the next sync gives it the default.
 */
export async function resolveFrom(db: Db, from: string | undefined): Promise<CampaignNumber | Refusal | null> {
  const active = (await numbers(db).where("p.active", "=", true).execute()).map(toNumber);
  if (from === undefined) return active.find((n) => n.isDefault) ?? null;
  const d = digitsOf(from);
  const hit =
    d === ""
      ? undefined
      : (active.find((n) => n.phoneNumberId === d) ??
        active.find((n) => n.displayPhoneNumber !== null && digitsOf(n.displayPhoneNumber) === d));
  if (hit) return hit;
  // As the gateway's other tools answer an unknown `from`: NOT_FOUND, with the numbers there are.
  const served = active.map((n) => ({
    phone_number_id: n.phoneNumberId,
    display_phone_number: n.displayPhoneNumber,
    business_id: n.businessId,
  }));
  const listed = served.map((n) =>
    n.display_phone_number ? `${n.phone_number_id} (${n.display_phone_number})` : n.phone_number_id,
  );
  return refuse(
    "NOT_FOUND",
    `from: "${from}" is not a business number of this deployment (it serves ${served.length}: ${listed.join(", ")}).`,
    "Pass one of the numbers in details.numbers (phone_number_id or display number), or omit from to use the default number.",
    { from, numbers: served },
  );
}
