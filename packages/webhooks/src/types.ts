import type { Accounts } from "@wa/accounts";
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
  /** Whole-message texts that revoke / grant marketing consent (compared as normalizeKeyword forms); default @wa/config's lists. */
  readonly optOutKeywords?: readonly string[];
  readonly optInKeywords?: readonly string[];
  readonly now?: () => number;
  /**
   * The businesses, WABAs and numbers (@wa/accounts): every event is routed by its metadata.phone_number_id or
   * entry.id, and one for a number or WABA not listed is dead-lettered. None (a test's database): everything
   * applies to the "whatsapp" channel and windows carry no number, as before accounts existed.
   */
  readonly accounts?: Accounts;
  /** Statuses of one body that need their own transaction (131050, 131049, sanitized) applied at once (default 4); each takes a pool connection. */
  readonly concurrency?: number;
  /** Called after an inbound message committed (not for duplicates): e.g. publish "a customer wrote". */
  readonly onInbound?: (n: InboundNotice) => void;
}

/** A committed inbound message: who wrote, to which business (channel) and number (none without accounts). */
interface InboundNotice {
  readonly customerId: string;
  readonly wamid: string;
  readonly channel: string;
  readonly phoneNumberId?: string;
}

/** What happened to one event. */
export type EventOutcome =
  | "applied" // changed state, ledger row written
  | "duplicate" // ledger already had the key: applied before
  | "ignored" // recorded in the ledger, nothing to change (unknown kind, no template row, …)
  | "deferred" // cannot be applied yet (status for a message we cannot find); retried, then parked
  | "failed" // threw (not an outage): retried, then parked
  | "unavailable" // Postgres unreachable: retried for as long as it takes, never parked
  | "parked"; // poison (unknown/malformed at once, deferred/failed on the final attempt): dead letter + raw bytes + ledger + audit

export interface ProcessReport {
  readonly events: number;
  readonly outcomes: Record<EventOutcome, number>;
  /** Events still to be applied: the body must be redelivered. */
  readonly pending: number;
  /** The first "Postgres unreachable" error when any event was `unavailable`. */
  readonly fault?: unknown;
}
