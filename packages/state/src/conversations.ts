import { WINDOW_MS } from "@wa/config";
import type { ConversationRow, Database } from "@wa/db";
import { type ExpressionBuilder, sql } from "kysely";
import { type Executor, VERSION, channelOf } from "./customers.js";
import type { Conversation, CustomerKey } from "./types.js";
import type { WindowSource } from "./window.js";

type ConversationStatusFilter = "open" | "closed" | "expiring_soon" | "archived";
const EXPIRING_SOON_MS = 2 * 60 * 60 * 1000; // tools.md: closes within 2 h

/**
 * Opens or refreshes the one active conversation from an inbound message's own timestamp.
 * Out-of-order messages never move the window back; a message after expiry starts a new session.
 */
export async function upsertInbound(db: Executor, key: CustomerKey, number: string | null, at: Date) {
  const expires = new Date(at.getTime() + WINDOW_MS);
  return db
    .insertInto("conversations")
    .values({
      channel: channelOf(key),
      customer_id: key.customerId,
      phone_number_id: number,
      opened_at: at,
      last_inbound_at: at,
      window_expires_at: expires,
    })
    .onConflict((oc) =>
      oc
        .columns(["channel", "customer_id", "phone_number_id"])
        .where("status", "=", "active")
        .doUpdateSet({
          opened_at: sql`CASE WHEN conversations.window_expires_at <= excluded.last_inbound_at
            THEN excluded.opened_at ELSE conversations.opened_at END`,
          last_inbound_at: sql`GREATEST(conversations.last_inbound_at, excluded.last_inbound_at)`,
          window_expires_at: sql`GREATEST(conversations.window_expires_at, excluded.window_expires_at)`,
          updated_at: sql`clock_timestamp()`,
        }),
    )
    .returningAll()
    .returning(VERSION)
    .executeTakeFirstOrThrow();
}

/** The window's number: null only in a database without accounts (a test's), matching rows written so. */
function ofNumber(number: string | null) {
  return number === null
    ? (eb: ExpressionBuilder<Database, "conversations">) => eb("phone_number_id", "is", null)
    : (eb: ExpressionBuilder<Database, "conversations">) => eb("phone_number_id", "=", number);
}

export async function touchOutbound(db: Executor, key: CustomerKey, number: string | null, at: Date) {
  return db
    .updateTable("conversations")
    .set({
      last_outbound_at: sql`GREATEST(COALESCE(last_outbound_at, ${at}), ${at})`,
      updated_at: sql`clock_timestamp()`,
    })
    .where("channel", "=", channelOf(key))
    .where("customer_id", "=", key.customerId)
    .where(ofNumber(number))
    .where("status", "=", "active")
    .returningAll()
    .returning(VERSION)
    .executeTakeFirst();
}

export async function selectActive(db: Executor, key: CustomerKey, number: string | null) {
  return db
    .selectFrom("conversations")
    .selectAll()
    .select(VERSION)
    .where("channel", "=", channelOf(key))
    .where("customer_id", "=", key.customerId)
    .where(ofNumber(number))
    .where("status", "=", "active")
    .executeTakeFirst();
}

export function toWindowSource(row: ConversationRow): WindowSource {
  return {
    id: row.id,
    conversationType: row.conversation_type,
    openedAt: row.opened_at.getTime(),
    lastInboundAt: row.last_inbound_at.getTime(),
    lastOutboundAt: row.last_outbound_at?.getTime() ?? null,
    expiresAt: row.window_expires_at.getTime(),
  };
}

export function toConversation(row: ConversationRow, now: number): Conversation {
  const remainingMs = row.status === "active" ? Math.max(0, row.window_expires_at.getTime() - now) : 0;
  return {
    id: row.id,
    channel: row.channel,
    customerId: row.customer_id,
    phoneNumberId: row.phone_number_id,
    status: row.status,
    conversationType: row.conversation_type,
    openedAt: row.opened_at,
    lastInboundAt: row.last_inbound_at,
    lastOutboundAt: row.last_outbound_at,
    windowExpiresAt: row.window_expires_at,
    archivedAt: row.archived_at,
    windowOpen: remainingMs > 0,
    remainingMs,
  };
}

export interface ListFilter {
  readonly status?: ConversationStatusFilter; // none = every non-archived conversation
  readonly channel?: string;
  readonly phoneNumberId?: string; // one number's windows; none = every number's
}

export async function listRows(db: Executor, filter: ListFilter, limit: number, offset: number, now: number) {
  const at = new Date(now);
  let q = db.selectFrom("conversations").where("channel", "=", filter.channel ?? "whatsapp");
  if (filter.phoneNumberId !== undefined) q = q.where("phone_number_id", "=", filter.phoneNumberId);
  switch (filter.status) {
    case undefined:
      q = q.where("status", "=", "active");
      break;
    case "archived":
      q = q.where("status", "=", "archived");
      break;
    case "open":
      q = q.where("status", "=", "active").where("window_expires_at", ">", at);
      break;
    case "closed":
      q = q.where("status", "=", "active").where("window_expires_at", "<=", at);
      break;
    case "expiring_soon":
      q = q
        .where("status", "=", "active")
        .where("window_expires_at", ">", at)
        .where("window_expires_at", "<=", new Date(now + EXPIRING_SOON_MS));
      break;
    default:
      filter.status satisfies never;
  }
  const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  const ordered =
    filter.status === "expiring_soon" ? q.orderBy("window_expires_at", "asc") : q.orderBy("last_inbound_at", "desc");
  const rows = await ordered.selectAll().orderBy("id").limit(limit).offset(offset).execute();
  return { rows, total: Number(total.n) };
}
