import type { BusNames, JetStreamClient } from "@wa/bus";
import type { ButtonPart, Compliance, HeaderPart, MessageCategory, MessageType, Variables } from "@wa/compliance";
import type { ReasonCode, Refusal } from "@wa/contract";
import type { AuditActor, Db, MessageStatus } from "@wa/db";
import type { RichContent } from "@wa/meta";
import type { LogLike, Metrics } from "@wa/observability";
import type { StateStore } from "@wa/state";
import type { ApprovalGate, PendingApproval } from "./approvals/gate.js";

/** NATS as the caller has it: a client, a getter for a link that may come later (the gateway), or none. */
export type JetStreamSource = JetStreamClient | (() => JetStreamClient | null) | null;

export interface MessagingOptions {
  readonly db: Db;
  readonly state: StateStore;
  readonly compliance: Compliance;
  readonly js: JetStreamSource; // null or a getter answering null: rows stay queued for the reconciler
  readonly names: BusNames; // stream/subject names (config or testkit busNames())
  readonly log: LogLike;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  readonly publishTimeoutMs?: number; // default 1000: a dead NATS must not hold the agent's call long
  readonly maxScheduleDays?: number; // default MAX_SCHEDULE_DAYS of @wa/config (tools.md schedule_message)
  /** require_approval: a single send that compliance allows waits for an operator when the gate says so. */
  readonly approvals?: ApprovalGate;
}

/** What to send. Text and rich content are service messages (need the open window); a template takes its own category. */
export type OutboundContent =
  | {
      readonly type: "text";
      readonly text: string; // 1–4096 chars
      readonly preview_url?: boolean;
      readonly reply_to_message_id?: string; // our message id (uuid) or a wamid; quoted via context.message_id
    }
  | {
      readonly type: "template";
      readonly template_name: string;
      readonly locale?: string; // default "en"
      readonly variables?: Variables; // string[] for {{1}}.., record for named
      readonly header?: HeaderPart; // text value, media (id or https link) or location
      readonly buttons?: readonly ButtonPart[]; // per-index URL suffix, quick-reply payload, copy-code value
    }
  | RichContent; // media, interactive, location, reaction: checked against Meta's limits (content-checks.ts)

/**
 * The business number a message goes from, as the caller resolved it (@wa/accounts): the 24 h window is the one
 * between this number and the customer; consent, tags and the cap are those of its business (`channel`).
 */
interface OutboundFrom {
  readonly phone_number_id: string;
  readonly channel: string; // the business's: "whatsapp" (the default business) or "whatsapp:<business_id>"
}

/** One planned outbound message, as the tools receive it (snake_case). */
export interface OutboundRequest {
  readonly to: string; // raw: "+62 811-998…", normalized here (INVALID_PHONE_NUMBER)
  readonly content: OutboundContent;
  readonly message_type?: MessageType; // default: "service" for text, "template" for templates
  readonly channel?: string; // the product: default "whatsapp"; anything else INVALID_ARGUMENT
  readonly from?: OutboundFrom; // default: the default number (messages.phone_number_id NULL), business "whatsapp"
  readonly idempotency_key?: string;
  readonly deliver_at?: string | Date; // schedule_message: RFC 3339, future, ≤ 30 days → status "scheduled"
  readonly campaign_id?: string;
}

export interface EnqueueOptions {
  readonly actor: AuditActor; // "agent" from the gateway, "system" from scheduler/campaigns
  readonly tool?: string; // recorded in the audit entry (e.g. "send_template")
  /** reply_customer answers WINDOW_CLOSED instead of TEMPLATE_REQUIRED when the window is shut. */
  readonly windowClosedCode?: "WINDOW_CLOSED" | "TEMPLATE_REQUIRED";
}

/** enqueueBatch's options: a single send's, plus what a campaign page needs. */
export interface BatchOptions extends EnqueueOptions {
  /** A recipient whose only failing rule is quiet hours is written `scheduled` until sending opens (no slot held). */
  readonly holdQuietHours?: boolean;
  /** Refusals that stop the batch (e.g. a template the whole campaign cannot use): nothing from that request on is written. */
  readonly haltOn?: readonly ReasonCode[];
}

export interface BatchResult {
  readonly results: readonly EnqueueResult[]; // one per request in order, up to the halting one (exclusive)
  readonly halted: Refusal | null;
}

export interface Accepted {
  readonly ok: true;
  readonly message_id: string; // ours; never changes (the wamid is stored beside it later)
  readonly status: MessageStatus; // "queued" or "scheduled"; for a duplicate: the first message's status now
  readonly category: MessageCategory;
  readonly customer_id: string; // normalized
  readonly deliver_at?: string; // RFC 3339, scheduled messages
  readonly duplicate: boolean; // true: same idempotency key and content as an earlier call; nothing new written
  readonly published: boolean; // false: NATS was down; the row is queued and the reconciler republishes it
}

export type EnqueueResult = Accepted | Refusal;

/** A single send's answer: queued, refused, or waiting for an operator's approval. */
export type OutboundResult = EnqueueResult | PendingApproval;

export interface CancelOptions {
  readonly actor: AuditActor;
  readonly reason?: string;
}

export type CancelResult =
  | {
      readonly ok: true;
      readonly message_id: string;
      readonly status: "cancelled";
      readonly from_status: MessageStatus;
    }
  | Refusal;

/** retry_failed_messages' per-id answer. */
export interface RetryOutcome {
  readonly message_id: string;
  readonly status: "retried" | "skipped";
  readonly reason?: string; // why skipped: a reason code and a sentence
}

export interface Messaging {
  /** The send path: normalize → compliance → one transaction (slot, row, audit) → publish. Faults throw. */
  enqueueOutbound(req: OutboundRequest, opts: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * An agent's send: enqueueOutbound behind the approval gate (require_approval policies). An operator's
   * approval re-runs the stored request through enqueueOutbound, compliance evaluated again then.
   */
  requestOutbound(req: OutboundRequest, opts: EnqueueOptions): Promise<OutboundResult>;
  /** The same path for many sends at once (campaign pages): facts read in bulk, rows written in one statement/transaction. */
  enqueueBatch(reqs: readonly OutboundRequest[], opts: BatchOptions): Promise<BatchResult>;
  /** Cancels a scheduled/queued/retrying message (its frequency slot is given back). */
  cancelMessage(messageId: string, opts: CancelOptions): Promise<CancelResult>;
  /** retry_failed_messages: only `failed`, retryable codes, compliance re-run; publishes to the retry subject. */
  retryFailed(messageIds: readonly string[], opts: { readonly actor: AuditActor }): Promise<RetryOutcome[]>;
}
