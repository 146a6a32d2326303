import type { Db } from "@wa/db";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MessageRef {
  readonly id: string; // ours
  readonly wamid: string | null; // null: not accepted by Meta yet
  readonly customer_id: string;
  readonly direction: "inbound" | "outbound";
  readonly phone_number_id: string | null; // the business number it was received on / sent from; null = the default
}

/** A stored message by our id (UUID) or Meta's wamid, in either direction; null when unknown. */
export async function findMessage(db: Db, messageId: string): Promise<MessageRef | null> {
  const row = await db
    .selectFrom("messages")
    .select(["id", "wamid", "customer_id", "direction", "phone_number_id"])
    .where(UUID.test(messageId) ? "id" : "wamid", "=", messageId)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return row ?? null;
}
