import type { Database } from "@wa/db";
import type { Kysely } from "kysely";

/**
 * Claims an event key in the webhook_events ledger, first thing in the event's transaction. A key that is
 * already there was applied (or parked) before: the caller skips the event. Two processors racing on the
 * same key serialize on the unique index; the loser sees the winner's committed row and skips.
 */
export async function claimEvent(tx: Kysely<Database>, eventKey: string, kind: string): Promise<boolean> {
  const r = await tx
    .insertInto("webhook_events")
    .values({ event_key: eventKey, kind })
    .onConflict((oc) => oc.column("event_key").doNothing())
    .returning("event_key")
    .executeTakeFirst();
  return r !== undefined;
}
