import { refuse, type Result } from "@wa/contract";
import type { AuditActor } from "@wa/db";
import { inTransaction, writeAudit } from "@wa/db";
import { sql } from "kysely";
import { toConversation } from "./conversations.js";
import type { Executor } from "./customers.js";
import type { Conversation, ConversationType } from "./types.js";

export type ArchiveResult = Result<{ conversation: Conversation; fromType: ConversationType }>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Archives a conversation whose window has closed; archiving twice answers the same. */
export async function archive(db: Executor, id: string, now: number, actor: AuditActor): Promise<ArchiveResult> {
  const notFound = refuse(
    "NOT_FOUND",
    `No conversation with id "${id}" exists.`,
    "Find the conversation id with list_conversations.",
  );
  if (!UUID.test(id)) return notFound;
  return inTransaction(db, async (trx): Promise<ArchiveResult> => {
    const row = await trx.selectFrom("conversations").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
    if (!row) return notFound;
    if (row.status === "archived")
      return { ok: true, conversation: toConversation(row, now), fromType: row.conversation_type };
    const expires = row.window_expires_at.getTime();
    if (expires > now) {
      const mins = Math.ceil((expires - now) / 60_000);
      return refuse(
        "CONVERSATION_ACTIVE",
        `The customer service window of this conversation is still open for about ${mins} minute${mins === 1 ? "" : "s"} (until ${row.window_expires_at.toISOString()}), so it cannot be archived yet.`,
        "Archive it with archive_chat after the window closes; check_conversation shows the time left.",
      );
    }
    const updated = await trx
      .updateTable("conversations")
      .set({ status: "archived", archived_at: new Date(now), updated_at: sql`clock_timestamp()` })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: "conversation.archived",
      subjectType: "conversation",
      subjectId: id,
      details: { customer_id: row.customer_id, channel: row.channel, from_type: row.conversation_type },
    });
    return { ok: true, conversation: toConversation(updated, now), fromType: row.conversation_type };
  });
}
