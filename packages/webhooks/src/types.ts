import type { Db } from "@wa/db";
import type { LogLike, Metrics } from "@wa/observability";
import type { Redis } from "ioredis";
import type pg from "pg";

export interface WebhookProcessorOptions {
  readonly db: Db;
  /** A pg Pool on the same database: status statements then run as named prepared statements (about 2× faster). */
  readonly pool?: pg.Pool;
  readonly redis?: Redis; // window/customer cache; omitted = Postgres only
  readonly keyPrefix?: string;
  readonly log: LogLike;
  readonly metrics?: Pick<Metrics, "webhookEvents" | "messagesFailed">;
  /** Whole-message texts that revoke / grant marketing consent (compared trimmed, spacing collapsed, upper-cased). */
  readonly optOutKeywords?: readonly string[];
  readonly optInKeywords?: readonly string[];
  readonly now?: () => number;
  /** Events of one body applied at once (default 4); each takes a pool connection. */
  readonly concurrency?: number;
}

/** What happened to one event. */
export type EventOutcome =
  | "applied" // changed state, ledger row written
  | "duplicate" // ledger already had the key: applied before
  | "ignored" // recorded in the ledger, nothing to change (unknown kind, no template row, …)
  | "deferred" // cannot be applied yet (status for a message we cannot find); retried
  | "failed" // threw; retried
  | "parked"; // gave up after the last attempt: webhook_dead_letters + ledger + audit

export interface ProcessReport {
  readonly events: number;
  readonly outcomes: Record<EventOutcome, number>;
  /** Events still to be applied: the message must be redelivered unless this was the last attempt. */
  readonly pending: number;
}
