import type { AuditActor, CustomerRow } from "@wa/db";
import { inTransaction, writeAudit } from "@wa/db";
import { WaError } from "@wa/contract";
import { sql } from "kysely";
import {
  type Executor,
  type Versioned,
  VERSION,
  channelOf,
  insertCustomerIfMissing,
  isConsentStatus,
  selectCustomer,
} from "./customers.js";
import type { ConsentCategory, ConsentStatus, Customer, CustomerKey } from "./types.js";

export interface ConsentChange {
  readonly marketing?: ConsentStatus;
  readonly utility?: ConsentStatus;
}

export interface ConsentMeta {
  readonly source: string; // agent, inbound_keyword, import, api, or where the agent collected it
  readonly actor?: AuditActor; // default "agent"
  readonly details?: Record<string, unknown>; // extra audit context, e.g. the keyword or message id
}

export interface ConsentResult {
  readonly customer: Customer;
  readonly changed: readonly ConsentCategory[]; // empty when every value was already as asked
}

const CATEGORIES: readonly ConsentCategory[] = ["marketing", "utility"];

/** Row-locked read-modify-write; only real changes are written, each with its audit entry. */
export async function changeConsent(
  db: Executor,
  key: CustomerKey,
  change: ConsentChange,
  meta: ConsentMeta,
  now: number,
) {
  if (typeof meta.source !== "string" || meta.source.trim() === "") {
    throw new WaError("INVALID_ARGUMENT", "consent changes need a source");
  }
  for (const cat of CATEGORIES) {
    const v = change[cat];
    if (v !== undefined && !isConsentStatus(v))
      throw new WaError("INVALID_ARGUMENT", `invalid ${cat} consent "${String(v)}"`);
  }
  const exec = async (trx: Executor): Promise<{ row: Versioned<CustomerRow>; changed: ConsentCategory[] }> => {
    await insertCustomerIfMissing(trx, key);
    const before = await selectCustomer(trx, key, true);
    if (!before) throw new Error("customer row vanished under lock");
    const changed = CATEGORIES.filter((cat) => change[cat] !== undefined && change[cat] !== before[`${cat}_consent`]);
    if (!changed.length) return { row: before, changed };
    const at = new Date(now);
    const source = meta.source.trim();
    const set: Record<string, unknown> = { updated_at: sql`clock_timestamp()` };
    for (const cat of changed) {
      set[`${cat}_consent`] = change[cat];
      set[`${cat}_consent_source`] = source;
      set[`${cat}_consent_at`] = at;
    }
    const row = await trx
      .updateTable("customers")
      .set(set)
      .where("id", "=", before.id)
      .returningAll()
      .returning(VERSION)
      .executeTakeFirstOrThrow();
    for (const cat of changed) {
      await writeAudit(trx, {
        actor: meta.actor ?? "agent",
        action: "consent.updated",
        subjectType: "customer",
        subjectId: key.customerId,
        details: {
          ...meta.details,
          channel: channelOf(key),
          category: cat,
          from: before[`${cat}_consent`],
          to: change[cat],
          source,
        },
      });
    }
    return { row, changed };
  };
  return inTransaction(db, exec);
}
