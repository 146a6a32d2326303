import { type CoalesceOptions, coalesce } from "@wa/coalesce";
import { campaignCounterCtes, type Db } from "@wa/db";
import type { SendResult } from "@wa/meta";
import { sql } from "kysely";
import type { ClaimedRow } from "./types.js";

interface SentWrite {
  readonly row: ClaimedRow;
  readonly result: SendResult;
  readonly phoneNumberId: string;
  readonly at: Date;
}

/** Writes one message's `sent` outcome; resolves once it is committed (the envelope may be acked then). */
export type WriteSent = (row: ClaimedRow, result: SendResult, phoneNumberId: string, at: Date) => Promise<void>;

/** The `sent` writes that arrive while one is written go together in the next (`coalesce`). */
export function createSentWriter(db: Db, opts: CoalesceOptions = {}): WriteSent {
  const write = coalesce<SentWrite, void>(async (batch) => {
    await markSentMany(db, batch);
    return [];
  }, opts);
  return (row, result, phoneNumberId, at) => write({ row, result, phoneNumberId, at });
}

/** One message's `sent` outcome (markSentMany for one row). */
export async function markSent(db: Db, row: ClaimedRow, result: SendResult, phoneNumberId: string, at: Date) {
  await markSentMany(db, [{ row, result, phoneNumberId, at }]);
}

/**
 * Meta accepted them: `sent` + wamid beside our id (which never changes), last_outbound_at on the customer and
 * its active conversation (forward only, like @wa/state recordOutbound), and the campaigns' counters from the
 * status each row really had: one statement and one commit for one row or many, because this runs for every
 * message at full throughput. A webhook may already have moved a status on: then its status and its error (a
 * `failed` webhook's code) stay as they are, and nothing is counted twice.
 * Lock order (README "Writing the rows and the lock order"): the customers first (in (channel, customer_id)
 * order), then the messages (in id order), then conversations, then the campaigns (in id order). Two workers'
 * batches cannot deadlock on each other.
 */
async function markSentMany(db: Db, batch: readonly SentWrite[]): Promise<void> {
  const col = <T>(f: (w: SentWrite) => T): T[] => batch.map(f);
  const moving = sql`('sending', 'queued', 'retrying')`; // the statuses `sent` replaces; later ones stay
  await sql`/* prepared: delivery-mark-sent */
    WITH i AS (
      SELECT * FROM unnest(${col((w) => w.row.id)}::uuid[], ${col((w) => w.row.channel)}::text[],
        ${col((w) => w.row.customer_id)}::text[], ${col((w) => w.result.wamid)}::text[],
        ${col((w) => w.phoneNumberId)}::text[], ${col((w) => w.at)}::timestamptz[])
        AS i(id, channel, customer_id, wamid, phone, at)),
    cu AS (SELECT channel, customer_id, max(at) AS at FROM i GROUP BY channel, customer_id),
    lc AS (
      SELECT c.id FROM customers c JOIN cu ON c.channel = cu.channel AND c.customer_id = cu.customer_id
      ORDER BY c.channel, c.customer_id FOR UPDATE OF c),
    c AS (
      UPDATE customers SET last_outbound_at = GREATEST(COALESCE(last_outbound_at, cu.at), cu.at), updated_at = clock_timestamp()
      FROM cu WHERE customers.channel = cu.channel AND customers.customer_id = cu.customer_id AND (SELECT count(*) FROM lc) >= 0
      RETURNING customers.id),
    prev AS (
      SELECT m.id, m.status FROM messages m JOIN i ON i.id = m.id WHERE (SELECT count(*) FROM c) >= 0
      ORDER BY m.id FOR UPDATE OF m),
    m AS (
      UPDATE messages SET status = CASE WHEN messages.status IN ${moving} THEN 'sent' ELSE messages.status END,
        wamid = i.wamid, sent_at = COALESCE(sent_at, i.at), phone_number_id = i.phone,
        error_code = CASE WHEN messages.status IN ${moving} THEN NULL ELSE messages.error_code END,
        error_title = CASE WHEN messages.status IN ${moving} THEN NULL ELSE messages.error_title END,
        error_details = CASE WHEN messages.status IN ${moving} THEN NULL ELSE messages.error_details END,
        error_explanation = CASE WHEN messages.status IN ${moving} THEN NULL ELSE messages.error_explanation END,
        updated_at = now()
      FROM prev JOIN i ON i.id = prev.id WHERE messages.id = prev.id
      RETURNING messages.campaign_id, prev.status AS from_status, messages.status AS to_status),
    v AS (
      UPDATE conversations SET last_outbound_at = GREATEST(COALESCE(last_outbound_at, cu.at), cu.at), updated_at = clock_timestamp()
      FROM cu WHERE conversations.channel = cu.channel AND conversations.customer_id = cu.customer_id
        AND conversations.status = 'active' AND (SELECT count(*) FROM m) >= 0
      RETURNING conversations.id),
    ${campaignCounterCtes(sql`m`)}
    SELECT (SELECT count(*) FROM v) AS v, (SELECT count(*) FROM cc_k) AS k`.execute(db);
}
