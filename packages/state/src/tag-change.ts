import { type Refusal, refuse } from "@wa/contract";
import type { AuditActor, CustomerRow } from "@wa/db";
import { inTransaction, writeAudit } from "@wa/db";
import { sql } from "kysely";
import {
  type Executor,
  type Versioned,
  VERSION,
  channelOf,
  insertCustomerIfMissing,
  selectCustomer,
} from "./customers.js";
import { invalidTags } from "./tags.js";
import type { CustomerKey } from "./types.js";

export interface TagChange {
  readonly add?: readonly string[];
  readonly remove?: readonly string[];
  readonly reason?: string; // why, in the audit entry (the console requires one from operators)
}

/** Adds then removes tags under the row lock; an audit entry when the set changed. */
export async function changeTags(
  db: Executor,
  key: CustomerKey,
  change: TagChange,
  actor: AuditActor,
): Promise<{ ok: true; row: Versioned<CustomerRow> } | Refusal> {
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  const bad = invalidTags([...add, ...remove]);
  if (bad.length) {
    return refuse(
      "INVALID_ARGUMENT",
      `Invalid tag${bad.length > 1 ? "s" : ""}: ${bad.map((t) => JSON.stringify(t)).join(", ")}. Tags are 1–40 characters of lowercase letters, digits, "_" or "-".`,
      "Call tag_customer again with tags such as vip, churn_risk or newsletter-2025.",
    );
  }
  const exec = async (trx: Executor) => {
    await insertCustomerIfMissing(trx, key);
    const before = await selectCustomer(trx, key, true);
    if (!before) throw new Error("customer row vanished under lock");
    const drop = new Set(remove);
    const tags = [...new Set([...before.tags, ...add])].filter((t) => !drop.has(t)).toSorted();
    const was = before.tags.toSorted();
    const same = tags.length === was.length && tags.every((t, i) => t === was[i]);
    if (same) return { ok: true as const, row: before };
    const row = await trx
      .updateTable("customers")
      .set({ tags, updated_at: sql`clock_timestamp()` })
      .where("id", "=", before.id)
      .returningAll()
      .returning(VERSION)
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: "customer.tags_updated",
      subjectType: "customer",
      subjectId: key.customerId,
      details: {
        channel: channelOf(key),
        added: add,
        removed: remove,
        tags,
        ...(change.reason ? { reason: change.reason } : {}),
      },
    });
    return { ok: true as const, row };
  };
  return inTransaction(db, exec);
}
