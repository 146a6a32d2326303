import type { Database } from "@wa/db";
import { writeAudit } from "@wa/db";
import { type Kysely, sql } from "kysely";
import { defaultNumberOf } from "./registry.js";
import type { AccountsSpec } from "./schema.js";

export const DEFAULT_BUSINESS_CHANNEL = "whatsapp";

/**
 * Upserts businesses, WABAs and numbers in one transaction (several apps start at once: an advisory lock
 * serialises them) and returns each business's channel. A business keeps its channel forever; a new default
 * business takes "whatsapp" when the business holding it has left the file (switching from the env variables
 * to accounts.yaml hands the existing customers to the business that now owns the number). Numbers no longer
 * listed become inactive, never deleted. Rows written before any number was known go to the default number.
 */
export async function syncAccounts(db: Kysely<Database>, spec: AccountsSpec): Promise<Map<string, string>> {
  const dflt = defaultNumberOf(spec);
  const listed = new Set(spec.businesses.map((b) => b.id));
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('wa.accounts.sync'))`.execute(trx);
    const existing = await trx.selectFrom("businesses").select(["business_id", "channel"]).execute();
    const channels = new Map(existing.map((r) => [r.business_id, r.channel]));
    const holder = existing.find((r) => r.channel === DEFAULT_BUSINESS_CHANNEL);
    if (holder && !listed.has(holder.business_id) && !channels.has(dflt.businessId)) {
      await trx
        .updateTable("businesses")
        .set({ channel: `retired:${holder.business_id}`, is_default: false, updated_at: sql`now()` })
        .where("business_id", "=", holder.business_id)
        .execute();
      channels.delete(holder.business_id);
    }
    const whatsappFree = ![...channels.values()].includes(DEFAULT_BUSINESS_CHANNEL);
    await trx.updateTable("businesses").set({ is_default: false }).where("is_default", "=", true).execute();
    await trx.updateTable("phone_numbers").set({ is_default: false }).where("is_default", "=", true).execute();
    for (const b of spec.businesses) {
      const isDefault = b.id === dflt.businessId;
      let channel = channels.get(b.id);
      if (!channel) {
        channel = isDefault && whatsappFree ? DEFAULT_BUSINESS_CHANNEL : `${DEFAULT_BUSINESS_CHANNEL}:${b.id}`;
        channels.set(b.id, channel);
        await writeAudit(trx, {
          actor: "system",
          action: "business.added",
          subjectType: "business",
          subjectId: b.id,
          details: { channel, source: "accounts" },
        });
      }
      await trx
        .insertInto("businesses")
        .values({ business_id: b.id, name: b.name ?? b.id, channel, is_default: isDefault })
        .onConflict((oc) =>
          oc.column("business_id").doUpdateSet({ name: b.name ?? b.id, is_default: isDefault, updated_at: sql`now()` }),
        )
        .execute();
      for (const w of b.wabas) {
        await trx
          .insertInto("wabas")
          .values({ waba_id: w.id, business_id: b.id, name: w.name ?? null })
          .onConflict((oc) =>
            oc.column("waba_id").doUpdateSet({ business_id: b.id, name: w.name ?? null, updated_at: sql`now()` }),
          )
          .execute();
        for (const n of w.numbers) {
          const isDefaultNumber = n.id === dflt.phoneNumberId;
          await trx
            .insertInto("phone_numbers")
            .values({
              phone_number_id: n.id,
              waba_id: w.id,
              display_phone_number: n.display ?? null,
              is_default: isDefaultNumber,
              active: true,
              ...(n.throughput_mps ? { throughput_mps: n.throughput_mps } : {}),
            })
            .onConflict((oc) =>
              oc.column("phone_number_id").doUpdateSet({
                waba_id: w.id,
                display_phone_number: sql`COALESCE(excluded.display_phone_number, phone_numbers.display_phone_number)`,
                is_default: isDefaultNumber,
                active: true,
                updated_at: sql`now()`,
              }),
            )
            .execute();
        }
      }
    }
    const ids = spec.businesses.flatMap((b) => b.wabas.flatMap((w) => w.numbers.map((n) => n.id)));
    await trx.updateTable("phone_numbers").set({ active: false }).where("phone_number_id", "not in", ids).execute();
    await claimUnassigned(trx, dflt.phoneNumberId, dflt.wabaId);
    return channels;
  });
}

/**
 * Windows and campaigns from before the accounts (an unseeded single-number database) belong to the default
 * number, templates to its WABA. Messages need no claim: one without a number is sent from the default number.
 */
async function claimUnassigned(trx: Kysely<Database>, phoneNumberId: string, wabaId: string): Promise<void> {
  await trx.updateTable("templates").set({ waba_id: wabaId }).where("waba_id", "is", null).execute();
  await trx
    .updateTable("conversations")
    .set({ phone_number_id: phoneNumberId })
    .where("phone_number_id", "is", null)
    .execute();
  await trx
    .updateTable("campaigns")
    .set({ phone_number_id: phoneNumberId })
    .where("phone_number_id", "is", null)
    .execute();
}
