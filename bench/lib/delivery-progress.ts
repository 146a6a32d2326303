// How far the workers got, read from the messages table: the benches poll it until every row is sent or failed.
import type { Db } from "@wa/db";
import { sql } from "kysely";
import type { Stack } from "./delivery-stack.js";

export interface Progress {
  readonly sent: number;
  readonly failed: number;
  readonly first: Date | null;
  readonly last: Date | null;
  readonly afterFirstSecond: number;
}

async function progress(db: Db): Promise<Progress> {
  const r = await sql<{ sent: string; failed: string; first: Date | null; last: Date | null; after: string }>`
    WITH s AS (SELECT min(sent_at) AS first FROM messages WHERE direction = 'outbound')
    SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'failed') AS failed,
      min(sent_at) AS first, max(sent_at) AS last,
      count(*) FILTER (WHERE sent_at > (SELECT first FROM s) + interval '1 second') AS after
    FROM messages WHERE direction = 'outbound'`.execute(db);
  const x = r.rows[0]!;
  return {
    sent: Number(x.sent),
    failed: Number(x.failed),
    first: x.first,
    last: x.last,
    afterFirstSecond: Number(x.after),
  };
}

/** Graph calls the mock has taken so far (read in this process: free, unlike a scan of the rows). */
export const mockCalls = (s: Pick<Stack, "mock">): number => s.mock.mock.state.calls.stats().calls;

/**
 * Polls until every row is sent or failed. The rows are scanned only once the mock has taken n calls (its
 * counter is read in this process), and every 10 s before that: at 80k rows a scan costs Postgres ~70 ms, which
 * once a second took a few per cent of the two cores the workers are measured on.
 */
export async function untilDone(
  s: Pick<Stack, "db" | "mock">,
  n: number,
  timeoutMs: number,
  log: (l: string) => void,
): Promise<Progress> {
  const t0 = Date.now();
  let scanned = t0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    if (mockCalls(s) < n && Date.now() - scanned < 10_000) continue;
    scanned = Date.now();
    const p = await progress(s.db);
    if (p.sent + p.failed >= n) return p;
    if (Date.now() - t0 > timeoutMs) {
      log(`timed out: ${p.sent} sent, ${p.failed} failed of ${n}`);
      return p;
    }
  }
}

/** Seconds from the first send to the last (NaN when nothing was sent): the span the rates are measured over. */
export const firstToLastSecs = (p: Progress): number =>
  p.first && p.last ? (p.last.getTime() - p.first.getTime()) / 1000 : Number.NaN;
