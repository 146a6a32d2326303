import { DEFAULT_CHANNEL } from "@wa/config";
import { resolveCustomerId } from "@wa/state";
import type { ToolDeps } from "../deps.js";

/**
 * The customer a `customer_id` argument names: a BSUID that webhooks linked to a phone number is that phone's
 * customer, so consent, tags and the window are one customer's by either id (a phone costs no query).
 */
export async function customerKey(
  deps: Pick<ToolDeps, "db">,
  customerId: string,
  channel: string = DEFAULT_CHANNEL,
): Promise<{ customerId: string; channel: string }> {
  return { customerId: await resolveCustomerId(deps.db, customerId, channel), channel };
}
