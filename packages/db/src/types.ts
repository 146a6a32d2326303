import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable, Updateable } from "kysely";

// Hand-written to match migrations/; snake_case as in the database, nullable = `T | null`, never optional.
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;

export type Consent = "granted" | "revoked" | "unknown";
export type MessageCategory = "marketing" | "utility" | "authentication" | "service";
export type MessageDirection = "inbound" | "outbound";
export type MessageStatus =
  | "received" | "scheduled" | "queued" | "sending" | "retrying"
  | "sent" | "delivered" | "read" | "played" | "failed" | "cancelled";
export type CampaignStatus = "scheduled" | "running" | "paused" | "completed" | "cancelled" | "failed";
export type PolicyType = "time_restriction" | "segment_exclusion" | "frequency_limit";
export type AuditActor = "agent" | "system" | "webhook" | "operator";

export interface PhoneNumbersTable {
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string | null;
  verified_name: string | null;
  quality_rating: Generated<string>;
  messaging_limit_tier: string | null;
  throughput_mps: Generated<number>;
  updated_at: UpdatedAt;
}

export interface CustomersTable {
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
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ConversationsTable {
  id: Generated<string>;
  channel: Generated<string>;
  customer_id: string;
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

export interface TemplatesTable {
  id: Generated<string>;
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
  quality: string | null;
  synced_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PoliciesTable {
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

export interface CampaignsTable {
  id: Generated<string>;
  name: string;
  channel: Generated<string>;
  type: "marketing" | "utility";
  template_name: string;
  locale: Generated<string>;
  variables: ColumnType<unknown, string | null, string | null>;
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

export interface MessagesTable {
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

export interface WebhookEventsTable {
  event_key: string;
  kind: string;
  processed_at: CreatedAt;
}

export interface WebhookInboxTable {
  id: Generated<string>; // bigserial: pg returns int8 as string
  body_sha256: string;
  body: Buffer;
  received_at: CreatedAt;
  forwarded_at: NullableTimestamp;
}

export interface WebhookDeadLettersTable {
  id: Generated<string>; // bigserial
  event_key: string; // the ledger key of the event, or body:<sha256> for a body that could not be parsed
  kind: string;
  error: string;
  event: Json<Record<string, unknown>>;
  body_sha256: string | null;
  parked_at: CreatedAt;
}

export interface AuditLogsTable {
  id: Generated<string>;
  actor: AuditActor;
  action: string;
  subject_type: string;
  subject_id: string;
  details: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface Database {
  phone_numbers: PhoneNumbersTable;
  customers: CustomersTable;
  conversations: ConversationsTable;
  templates: TemplatesTable;
  policies: PoliciesTable;
  campaigns: CampaignsTable;
  messages: MessagesTable;
  webhook_events: WebhookEventsTable;
  webhook_inbox: WebhookInboxTable;
  webhook_dead_letters: WebhookDeadLettersTable;
  audit_logs: AuditLogsTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type NewCustomerRow = Insertable<CustomersTable>;
export type CustomerUpdate = Updateable<CustomersTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type NewTemplateRow = Insertable<TemplatesTable>;
export type PolicyRow = Selectable<PoliciesTable>;
export type NewPolicyRow = Insertable<PoliciesTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type NewCampaignRow = Insertable<CampaignsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;
export type MessageUpdate = Updateable<MessagesTable>;
export type PhoneNumberRow = Selectable<PhoneNumbersTable>;
export type AuditLogRow = Selectable<AuditLogsTable>;
export type NewAuditLogRow = Insertable<AuditLogsTable>;
