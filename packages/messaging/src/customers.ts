import type { Database } from "@wa/db";
import { customerIdKind, placeOf } from "@wa/state";
import type { Transaction } from "kysely";

/** The messages row needs its customer (foreign key); creates it like @wa/state does, never touching an existing one. */
export async function ensureCustomer(trx: Transaction<Database>, channel: string, customerId: string): Promise<boolean> {
  const kind = customerIdKind(customerId);
  const place = placeOf(customerId);
  const r = await trx
    .insertInto("customers")
    .values({
      channel, customer_id: customerId, phone: kind === "phone" ? customerId : null, bsuid: kind === "bsuid" ? customerId : null,
      country: place.country, timezone: place.timezone,
    })
    .onConflict((oc) => oc.columns(["channel", "customer_id"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return r !== undefined;
}
