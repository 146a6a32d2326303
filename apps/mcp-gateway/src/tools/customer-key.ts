import type { NumberAccount } from "@wa/accounts";
import { resolveCustomerId } from "@wa/state";
import type { ToolDeps } from "../deps.js";

/**
 * The customer a `customer_id` argument names, as seen from one business number: in its business (customers,
 * consent, tags and caps live under the business's channel) and with its 24 h window. A BSUID that webhooks
 * linked to a phone number is that phone's customer, so both ids are one customer (a phone costs no query).
 */
export async function customerKey(
  deps: Pick<ToolDeps, "db">,
  customerId: string,
  from: NumberAccount,
): Promise<{ customerId: string; channel: string; phoneNumberId: string }> {
  return {
    customerId: await resolveCustomerId(deps.db, customerId, from.channel),
    channel: from.channel,
    phoneNumberId: from.phoneNumberId,
  };
}
