import type { ColumnType, Generated, Insertable, Selectable } from "kysely";
import type {
  AgentKeysTable,
  ApiTokensTable,
  LoginAttemptsTable,
  OperatorSessionsTable,
  OperatorsTable,
} from "./access-types.js";
import type { CreatedAt, Json, NullableJson, NullableTimestamp, Timestamp, UpdatedAt } from "./column-types.js";

export type { OperatorRole } from "./access-types.js";

// Hand-written to match migrations/; snake_case as in the database, nullable = `T | null`, never optional.

export type Consent = "granted" | "revoked" | "unknown";
export type MessageCategory = "marketing" | "utility" | "authentication" | "service";
type MessageDirection = "inbound" | "outbound";
export type MessageStatus =
  | "received"
  | "scheduled"
  | "queued"
  | "sending"
  | "retrying"
  | "sent"
  | "delivered"
  | "read"
  | "played"
  | "failed"
  | "cancelled";
export type CampaignStatus = "scheduled" | "running" | "paused" | "completed" | "cancelled" | "failed";
type PolicyType =
  | "time_restriction"
  | "segment_exclusion"
  | "frequency_limit"
  | "media_link_domains"
  | "require_approval";
export type ApprovalStatus = "pending" | "approved" | "rejected" | "expired";
type AuditActorKind = "agent" | "system" | "webhook" | "operator";
/** Who acted: a kind, optionally naming the one who did ("operator:alice"); the column's CHECK allows both. */
export type AuditActor = AuditActorKind | `${AuditActorKind}:${string}`;

interface PhoneNumbersTable {
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string | null;
  verified_name: string | null;
  quality_rating: Generated<string>;
  messaging_limit_tier: string | null;
  throughput_mps: Generated<number>;
  is_default: Generated<boolean>; // the number a tool uses when it names none
  active: Generated<boolean>; // false: no longer in accounts.yaml (kept for history, never sent from)
  updated_at: UpdatedAt;
}

/** A business portfolio (accounts.yaml): consent, customers and caps are per business, under its `channel`. */
interface BusinessesTable {
  business_id: string;
  name: string;
  channel: string; // "whatsapp" for the default business, "whatsapp:<business_id>" for the others; never changes
  is_default: Generated<boolean>;
  messaging_limit_tier: string | null; // the portfolio's tier (shared by all its numbers)
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

interface WabasTable {
  waba_id: string;
  business_id: string;
  name: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

interface CustomersTable {
  id: Generated<string>;
  channel: Generated<string>;
  customer_id: string; // phone digits without "+", or a BSUID when the phone is hidden
  phone: string | null;
  bsuid: string | null;
  display_name: string | null;
  marketing_consent: Generated<Consent>;
  marketing_consent_source: string | null;
  marketing_consent_at: NullableTimestamp;
  utility_consent: Generated<Consent>;
  utility_consent_source: string | null;
  utility_consent_at: NullableTimestamp;
  tags: Generated<string[]>;
  country: string | null; // ISO 3166 alpha-2
  timezone: string | null; // IANA
  last_inbound_at: NullableTimestamp;
  last_outbound_at: NullableTimestamp;
  marketing_limited_until: NullableTimestamp; // Meta's per-user marketing limit (131049): no marketing until then
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

interface ConversationsTable {
  id: Generated<string>;
  channel: Generated<string>;
  customer_id: string;
  phone_number_id: string | null; // the business number of this window; null only before the accounts sync
  status: Generated<"active" | "archived">;
  conversation_type: Generated<"customer_service" | "free_entry_point">;
  opened_at: Timestamp;
  last_inbound_at: Timestamp; // the inbound message's own timestamp, not receipt time
  last_outbound_at: NullableTimestamp;
  window_expires_at: Timestamp; // last_inbound_at + 24 h
  archived_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

interface TemplatesTable {
  id: Generated<string>;
  // Meta's templates belong to a WABA; unique per (waba_id, name, locale). Omitted: the default number's WABA
  // (NULL only before the first accounts sync, which gives such rows the default WABA).
  waba_id: ColumnType<string | null, string | null | undefined, string | null>;
  name: string;
  locale: string;
  meta_id: string | null;
  category: Exclude<MessageCategory, "service">;
  status: string; // Meta's status, upper case (APPROVED, PENDING, PAUSED, ...)
  parameter_format: Generated<"positional" | "named">;
  components: Json<unknown[]>;
  body_text: string | null;
  parameter_count: Generated<number>;
  parameter_names: Generated<string[]>;
  rejection_reason: string | null;
  quality: string | null; // GREEN, YELLOW, RED, UNKNOWN
  previous_category: string | null; // lower case: the category before Meta's last recategorization
  synced_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** One row: which process holds this period's sync from Meta, and how the last sync went. */
interface TemplateSyncStateTable {
  id: Generated<boolean>;
  claimed_by: string | null;
  claimed_at: NullableTimestamp;
  synced_at: NullableTimestamp;
  synced_count: number | null;
  problem: string | null;
}

interface PoliciesTable {
  id: string;
  name: string;
  type: PolicyType;
  channel: Generated<string>;
  message_type: Generated<"all" | MessageCategory>;
  enabled: Generated<boolean>;
  rules: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** One row: bumped by a trigger on every write to policies, so processes notice a change cheaply. */
interface PoliciesVersionTable {
  id: Generated<boolean>;
  version: Generated<string>; // bigint
}

interface CampaignsTable {
  id: Generated<string>;
  name: string;
  channel: Generated<string>;
  type: "marketing" | "utility";
  template_name: string;
  locale: Generated<string>;
  phone_number_id: string | null; // the number it sends from; null only before the accounts sync
  variables: ColumnType<unknown, string | null, string | null>;
  template_header: ColumnType<unknown, string | null | undefined, string | null>; // send_template's header part
  template_buttons: ColumnType<unknown, string | null | undefined, string | null>; // its button parameters
  audience_filter: Json<Record<string, unknown>>;
  status: Generated<CampaignStatus>;
  status_reason: string | null;
  scheduled_at: Timestamp;
  run: Generated<number>;
  cursor: string | null; // keyset cursor: last customer_id fanned out
  fanout_done: Generated<boolean>;
  audience_count: Generated<number>;
  enqueued_count: Generated<number>;
  skipped_by_reason: ColumnType<Record<string, number>, string | undefined, string>;
  sent_count: Generated<number>;
  delivered_count: Generated<number>;
  read_count: Generated<number>;
  failed_count: Generated<number>;
  cancelled_count: Generated<number>;
  started_at: NullableTimestamp;
  paused_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

interface MessagesTable {
  id: Generated<string>; // ours; never changes
  channel: Generated<string>;
  customer_id: string;
  phone_number_id: string | null;
  direction: MessageDirection;
  category: MessageCategory | null; // null only for inbound
  kind: string; // text, template, image, ...
  content: Json<Record<string, unknown>>;
  template_name: string | null;
  template_locale: string | null;
  status: MessageStatus;
  wamid: string | null; // null until Meta accepts the message
  attempts: Generated<number>;
  error_code: number | null;
  error_title: string | null;
  error_details: string | null;
  error_explanation: string | null;
  status_reason: string | null;
  deliver_at: NullableTimestamp;
  campaign_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  counts_toward_cap: Generated<boolean>; // marketing sends that hold a frequency slot
  pricing: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  queued_at: NullableTimestamp;
  sending_at: NullableTimestamp;
  meta_call_at: NullableTimestamp; // the claim's call to Meta started: a `sending` row with it set may have been sent
  sent_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  read_at: NullableTimestamp;
  played_at: NullableTimestamp;
  failed_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  received_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** A business number whose sending is stopped by an account-level error; gone once it sends again. */
interface SendingPausesTable {
  phone_number_id: string;
  reason_code: string;
  error_code: number | null;
  error_title: string | null;
  explanation: string;
  paused_at: CreatedAt;
  probe_at: ColumnType<Date, Date | string | undefined, Date | string>; // the next probe is due at this time
  probes: Generated<number>;
}

interface WebhookEventsTable {
  event_key: string;
  kind: string;
  processed_at: CreatedAt;
}

interface WebhookInboxTable {
  id: Generated<string>; // bigserial: pg returns int8 as string
  body_sha256: string;
  body: Buffer;
  received_at: CreatedAt;
  forwarded_at: NullableTimestamp;
}

interface WebhookDeadLettersTable {
  id: Generated<string>; // bigserial
  event_key: string; // the ledger key of the event, or body:<sha256> for a body that could not be parsed
  kind: string;
  error: string;
  event: NullableJson<Record<string, unknown>>; // the event as parsed (sanitized); the raw bytes are in webhook_dead_bodies
  body_sha256: string | null;
  sanitized: NullableJson<readonly string[]>; // paths of values changed so Postgres could store them
  parked_at: CreatedAt;
}

interface WebhookDeadBodiesTable {
  body_sha256: string;
  body: Buffer; // the signed bytes exactly as Meta sent them
  parked_at: CreatedAt;
}

interface AuditLogsTable {
  id: Generated<string>;
  actor: AuditActor;
  action: string;
  subject_type: string;
  subject_id: string;
  details: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

/** Another id of a customer (phone digits or BSUID) → the customers row that holds the history. */
interface CustomerAliasesTable {
  channel: ColumnType<string, string | undefined, string>;
  alias: string;
  customer_id: string;
  kind: "phone" | "bsuid";
  created_at: CreatedAt;
}

/** A send or campaign waiting for an operator's yes (require_approval); `request` is re-run as is on approval. */
interface ApprovalsTable {
  id: Generated<string>;
  kind: "message" | "campaign";
  tool: string;
  request: Json<Record<string, unknown>>;
  summary: Json<Record<string, unknown>>;
  matched: Json<unknown[]>;
  checks: Json<unknown[]>;
  requested_by: AuditActor;
  status: Generated<ApprovalStatus>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  decided_by: AuditActor | null;
  decided_at: Timestamp | null;
  reason: string | null;
  message_id: string | null;
  campaign_id: string | null;
  refusal: NullableJson<Record<string, unknown>>;
  idempotency_key: string | null; // the agent's key: a repeat while pending answers this approval
  request_hash: string | null; // the request's content: the same key with other content is DUPLICATE_REQUEST
}

export interface Database {
  phone_numbers: PhoneNumbersTable;
  businesses: BusinessesTable;
  wabas: WabasTable;
  customers: CustomersTable;
  customer_aliases: CustomerAliasesTable;
  conversations: ConversationsTable;
  templates: TemplatesTable;
  template_sync_state: TemplateSyncStateTable;
  policies: PoliciesTable;
  policies_version: PoliciesVersionTable;
  campaigns: CampaignsTable;
  messages: MessagesTable;
  sending_pauses: SendingPausesTable;
  webhook_events: WebhookEventsTable;
  webhook_inbox: WebhookInboxTable;
  webhook_dead_letters: WebhookDeadLettersTable;
  webhook_dead_bodies: WebhookDeadBodiesTable;
  audit_logs: AuditLogsTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  api_tokens: ApiTokensTable;
  login_attempts: LoginAttemptsTable;
  approvals: ApprovalsTable;
  agent_keys: AgentKeysTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type AgentKeyRow = Selectable<AgentKeysTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type NewTemplateRow = Insertable<TemplatesTable>;
export type PolicyRow = Selectable<PoliciesTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type SendingPauseRow = Selectable<SendingPausesTable>;
export type AuditLogRow = Selectable<AuditLogsTable>;
export type OperatorRow = Selectable<OperatorsTable>;
export type WebhookDeadLetterRow = Selectable<WebhookDeadLettersTable>;
