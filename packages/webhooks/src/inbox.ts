import { createHash } from "node:crypto";
import { createFaultLog } from "@wa/bus";
import type { Db } from "@wa/db";
import type { LogLike } from "@wa/observability";
import { sql } from "kysely";

/** Keeps a verified webhook body while NATS is unreachable; the same body twice is kept once. */
export async function storeInInbox(db: Db, body: Uint8Array, receivedAt = Date.now()): Promise<void> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  await db
    .insertInto("webhook_inbox")
    .values({
      body_sha256: createHash("sha256").update(bytes).digest("hex"),
      body: bytes,
      received_at: new Date(receivedAt),
    })
    .onConflict((oc) => oc.column("body_sha256").doNothing())
    .execute();
}

export type InboxPublish = (body: Uint8Array, receivedAt: number) => Promise<unknown>;

/**
 * Republishes up to `batch` stored bodies, oldest first, and deletes each one that was published (the
 * stream's Nats-Msg-Id dedupe and the processor's ledger make a second copy harmless). Rows are locked with
 * SKIP LOCKED, so several drainers share the work. A publish failure stops the round: the rest stay stored.
 */
export async function drainInbox(
  db: Db,
  publish: InboxPublish,
  batch = 100,
): Promise<{ published: number; failed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom("webhook_inbox")
      .select(["id", "body", "received_at"])
      .orderBy("id")
      .limit(batch)
      .forUpdate()
      .skipLocked()
      .execute();
    const done: string[] = [];
    let failed = false;
    for (const row of rows) {
      try {
        await publish(new Uint8Array(row.body), row.received_at.getTime());
        done.push(row.id);
      } catch {
        failed = true;
        break;
      }
    }
    if (done.length) await trx.deleteFrom("webhook_inbox").where("id", "in", done).execute();
    return { published: done.length, failed };
  });
}

export async function inboxSize(db: Db): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_inbox`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export interface InboxDrainerOptions {
  readonly db: Db;
  readonly publish: InboxPublish;
  readonly log: LogLike;
  readonly intervalMs?: number; // default 1000
  readonly batch?: number; // default 100
}

/** Polls the inbox and drains it while publishing works; `close()` waits for the round in progress. */
export function createInboxDrainer(opts: InboxDrainerOptions) {
  const intervalMs = opts.intervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  // A Postgres or NATS outage fails every round: logged once per outage with a count, not once a second.
  const faults = createFaultLog({ log: opts.log, what: "webhook inbox drain failed" });

  async function round(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await drainInbox(opts.db, opts.publish, opts.batch ?? 100);
      total += r.published;
      if (r.failed || r.published < (opts.batch ?? 100) || closed) break;
    }
    if (total > 0) opts.log.info({ published: total }, "webhook inbox drained into the stream");
    return total;
  }

  function tick(): void {
    running = round()
      .then(() => faults.ok())
      .catch((err: unknown) => faults.fault(err, {}, "warn"))
      .finally(() => {
        running = undefined;
        if (!closed) timer = setTimeout(tick, intervalMs);
      });
  }

  return {
    start(): void {
      if (!timer && !running && !closed) timer = setTimeout(tick, 0);
    },
    drainNow: round,
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
      faults.close();
    },
  };
}
