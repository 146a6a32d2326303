import { type Db, moveCampaignCountersMany, type MessageStatus } from "@wa/db";
import type { SendResult } from "@wa/meta";
import { sql } from "kysely";
import { markSent } from "./outcome.js";
import type { ClaimedRow } from "./types.js";

interface SentWrite {
  readonly row: ClaimedRow;
  readonly result: SendResult;
  readonly phoneNumberId: string;
  readonly at: Date;
}

interface Pending extends SentWrite {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Writes one message's `sent` outcome; resolves once it is committed (the envelope may be acked then). */
export type WriteSent = (row: ClaimedRow, result: SendResult, phoneNumberId: string, at: Date) => Promise<void>;

/**
 * markSent for many messages per commit (issue 19: one statement and one commit per message were most of the
 * delivery worker's Postgres cost). Writes that arrive while a batch is being written wait and go together in
 * the next, so the batch grows with the load and a lone write goes at once. Each promise resolves only after its
 * batch committed. A failed batch is written again row by row, so one bad row cannot hold the others back.
 */
export function createSentWriter(
  db: Db,
  opts: { readonly maxBatch?: number; readonly onBatch?: (size: number) => void } = {},
): WriteSent {
  const maxBatch = opts.maxBatch ?? 128;
  let queue: Pending[] = [];
  let writing = false;

  const one = (p: Pending) => markSent(db, p.row, p.result, p.phoneNumberId, p.at).then(p.resolve, p.reject);

  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      opts.onBatch?.(batch.length);
      if (batch.length === 1) {
        await one(batch[0]!);
        continue;
      }
      try {
        await markSentMany(db, batch);
        for (const p of batch) p.resolve();
      } catch {
        await Promise.all(batch.map(one));
      }
    }
    writing = false;
  }

  return (row, result, phoneNumberId, at) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ row, result, phoneNumberId, at, resolve, reject });
      if (!writing) void drain();
    });
}

/**
 * The one-row statement of outcome.ts `markSent` for many rows, in the same lock order: the customers first (in
 * (channel, customer_id) order), then the messages (in id order), then conversations; the campaign counters
 * after, in the same transaction (campaigns in id order). Two workers' batches cannot deadlock on each other.
 */
async function markSentMany(db: Db, batch: readonly SentWrite[]): Promise<void> {
  const col = <T>(f: (w: SentWrite) => T): T[] => batch.map(f);
  await db.transaction().execute(async (trx) => {
    const moved = await sql<{ campaign_id: string | null; from_status: MessageStatus; to_status: MessageStatus }>`
      /* prepared: delivery-mark-sent-many */
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
        UPDATE messages SET status = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN 'sent' ELSE messages.status END,
          wamid = i.wamid, sent_at = COALESCE(sent_at, i.at), phone_number_id = i.phone,
          error_code = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_code END,
          error_title = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_title END,
          error_details = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_details END,
          error_explanation = CASE WHEN messages.status IN ('sending', 'queued', 'retrying') THEN NULL ELSE messages.error_explanation END,
          updated_at = now()
        FROM prev JOIN i ON i.id = prev.id WHERE messages.id = prev.id
        RETURNING messages.campaign_id, prev.status AS from_status, messages.status AS to_status),
      v AS (
        UPDATE conversations SET last_outbound_at = GREATEST(COALESCE(last_outbound_at, cu.at), cu.at), updated_at = clock_timestamp()
        FROM cu WHERE conversations.channel = cu.channel AND conversations.customer_id = cu.customer_id
          AND conversations.status = 'active' AND (SELECT count(*) FROM m) >= 0
        RETURNING conversations.id)
      SELECT m.campaign_id, m.from_status, m.to_status FROM m WHERE (SELECT count(*) FROM v) >= 0`.execute(trx);
    await moveCampaignCountersMany(
      trx,
      moved.rows.map((r) => ({ campaignId: r.campaign_id, from: r.from_status, to: r.to_status })),
    );
  });
}
