import type { CustomerRow, Db, MessageRow } from "@wa/db";
import type { MetaClient, RetryOptions } from "@wa/meta";
import type { LogLike, Metrics } from "@wa/observability";
import type { Limiter } from "@wa/ratelimit";
import type { StateStore } from "@wa/state";
import type { SendingNumbers } from "./numbers.js";

export interface DeliveryDeps {
  readonly db: Db;
  readonly state: StateStore;
  readonly meta: MetaClient; // the default number's client (used when `numbers` is not given)
  readonly limiter: Limiter;
  readonly phoneNumberId: string; // the default number: a message without phone_number_id is sent from it
  readonly numbers?: SendingNumbers; // every number and its WABA's client; default: only phoneNumberId with meta
  readonly parkedPerNumber?: number; // messages of one number that wait outside the consumer's slots; default 16
  readonly log: LogLike;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  readonly retry?: RetryOptions; // @wa/meta retryDecision options (maxAttempts 3 = max deliver)
  readonly heartbeatMs?: number; // during the whole send: extend the ack deadline and refresh sending_at; default 10 s
  readonly persistSentMs?: number; // how long a `sent` outcome is retried against a failing Postgres; default 10 min
  readonly pausePollMs?: number; // a paused number's workers look for a resume this often; default 1 s
  readonly pauseProbeMs?: number; // SENDING_PROBE_SECS: a paused number is probed at Meta this often; default 60 s
}

/** The claimed row and its customer's consent, last inbound time and marketing limit: what the worker needs to send it. */
export type ClaimedRow = Pick<
  MessageRow,
  | "id"
  | "channel"
  | "customer_id"
  | "category"
  | "kind"
  | "content"
  | "attempts"
  | "campaign_id"
  | "queued_at"
  | "counts_toward_cap"
  | "wamid"
  | "phone_number_id"
> &
  Pick<CustomerRow, "marketing_consent" | "utility_consent" | "last_inbound_at" | "marketing_limited_until">;
