import { type Kysely, sql } from "kysely";

// Frozen: never edit after it has shipped; add a new numbered migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE phone_numbers (
  phone_number_id text PRIMARY KEY,
  waba_id text NOT NULL,
  display_phone_number text,
  verified_name text,
  quality_rating text NOT NULL DEFAULT 'UNKNOWN',
  messaging_limit_tier text,
  throughput_mps integer NOT NULL DEFAULT 80 CHECK (throughput_mps > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel text NOT NULL DEFAULT 'whatsapp',
  customer_id text NOT NULL,
  phone text,
  bsuid text,
  display_name text,
  marketing_consent text NOT NULL DEFAULT 'unknown' CHECK (marketing_consent IN ('granted', 'revoked', 'unknown')),
  marketing_consent_source text,
  marketing_consent_at timestamptz,
  utility_consent text NOT NULL DEFAULT 'unknown' CHECK (utility_consent IN ('granted', 'revoked', 'unknown')),
  utility_consent_source text,
  utility_consent_at timestamptz,
  tags text[] NOT NULL DEFAULT '{}',
  country text,
  timezone text,
  last_inbound_at timestamptz,
  last_outbound_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customers_channel_customer_key UNIQUE (channel, customer_id),
  CONSTRAINT customers_customer_id_not_blank CHECK (customer_id <> '')
);
CREATE INDEX customers_tags_idx ON customers USING gin (tags);
CREATE INDEX customers_last_inbound_idx ON customers (last_inbound_at);

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel text NOT NULL DEFAULT 'whatsapp',
  customer_id text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  conversation_type text NOT NULL DEFAULT 'customer_service'
    CHECK (conversation_type IN ('customer_service', 'free_entry_point')),
  opened_at timestamptz NOT NULL,
  last_inbound_at timestamptz NOT NULL,
  last_outbound_at timestamptz,
  window_expires_at timestamptz NOT NULL,
  archived_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (channel, customer_id) REFERENCES customers (channel, customer_id) ON DELETE CASCADE,
  CONSTRAINT conversations_archived_has_time CHECK ((status = 'archived') = (archived_at IS NOT NULL))
);
-- at most one non-archived care window per customer and channel
CREATE UNIQUE INDEX conversations_one_active_idx ON conversations (channel, customer_id) WHERE status = 'active';
CREATE INDEX conversations_expiry_idx ON conversations (window_expires_at) WHERE status = 'active';

CREATE TABLE templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  locale text NOT NULL,
  meta_id text,
  category text NOT NULL CHECK (category IN ('marketing', 'utility', 'authentication')),
  status text NOT NULL,
  parameter_format text NOT NULL DEFAULT 'positional' CHECK (parameter_format IN ('positional', 'named')),
  components jsonb NOT NULL DEFAULT '[]',
  body_text text,
  parameter_count integer NOT NULL DEFAULT 0 CHECK (parameter_count >= 0),
  parameter_names text[] NOT NULL DEFAULT '{}',
  rejection_reason text,
  quality text,
  synced_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT templates_name_locale_key UNIQUE (name, locale)
);
CREATE UNIQUE INDEX templates_meta_id_idx ON templates (meta_id) WHERE meta_id IS NOT NULL;

CREATE TABLE policies (
  id text PRIMARY KEY,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('time_restriction', 'segment_exclusion', 'frequency_limit')),
  channel text NOT NULL DEFAULT 'whatsapp',
  message_type text NOT NULL DEFAULT 'all'
    CHECK (message_type IN ('all', 'marketing', 'utility', 'authentication', 'service')),
  enabled boolean NOT NULL DEFAULT true,
  rules jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  channel text NOT NULL DEFAULT 'whatsapp',
  type text NOT NULL CHECK (type IN ('marketing', 'utility')),
  template_name text NOT NULL,
  locale text NOT NULL DEFAULT 'en',
  variables jsonb,
  audience_filter jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'scheduled'
    CHECK (status IN ('scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed')),
  status_reason text,
  scheduled_at timestamptz NOT NULL,
  run integer NOT NULL DEFAULT 0,
  cursor text,
  fanout_done boolean NOT NULL DEFAULT false,
  audience_count integer NOT NULL DEFAULT 0,
  enqueued_count integer NOT NULL DEFAULT 0,
  skipped_by_reason jsonb NOT NULL DEFAULT '{}',
  sent_count integer NOT NULL DEFAULT 0,
  delivered_count integer NOT NULL DEFAULT 0,
  read_count integer NOT NULL DEFAULT 0,
  failed_count integer NOT NULL DEFAULT 0,
  cancelled_count integer NOT NULL DEFAULT 0,
  started_at timestamptz,
  paused_at timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_due_idx ON campaigns (scheduled_at) WHERE status = 'scheduled';

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel text NOT NULL DEFAULT 'whatsapp',
  customer_id text NOT NULL,
  phone_number_id text,
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  category text CHECK (category IN ('marketing', 'utility', 'authentication', 'service')),
  kind text NOT NULL,
  content jsonb NOT NULL,
  template_name text,
  template_locale text,
  status text NOT NULL CHECK (status IN (
    'received', 'scheduled', 'queued', 'sending', 'retrying', 'sent', 'delivered', 'read', 'played', 'failed', 'cancelled'
  )),
  wamid text,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  error_code integer,
  error_title text,
  error_details text,
  error_explanation text,
  status_reason text,
  deliver_at timestamptz,
  campaign_id uuid REFERENCES campaigns (id) ON DELETE SET NULL,
  idempotency_key text,
  request_hash text,
  counts_toward_cap boolean NOT NULL DEFAULT false,
  pricing jsonb,
  queued_at timestamptz,
  sending_at timestamptz,
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz,
  played_at timestamptz,
  failed_at timestamptz,
  cancelled_at timestamptz,
  received_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (channel, customer_id) REFERENCES customers (channel, customer_id),
  CONSTRAINT messages_wamid_key UNIQUE (wamid),
  CONSTRAINT messages_idempotency_key_key UNIQUE (idempotency_key),
  CONSTRAINT messages_direction_status CHECK (
    (direction = 'inbound' AND status = 'received') OR (direction = 'outbound' AND status <> 'received')
  ),
  CONSTRAINT messages_outbound_category CHECK (direction = 'inbound' OR category IS NOT NULL),
  CONSTRAINT messages_scheduled_has_time CHECK (status <> 'scheduled' OR deliver_at IS NOT NULL)
);
CREATE INDEX messages_due_idx ON messages (deliver_at) WHERE status = 'scheduled';
CREATE INDEX messages_pending_idx ON messages (updated_at) WHERE status IN ('queued', 'sending', 'retrying');
CREATE INDEX messages_cap_idx ON messages (channel, customer_id, created_at) WHERE counts_toward_cap;
CREATE INDEX messages_customer_idx ON messages (channel, customer_id, created_at DESC);
CREATE INDEX messages_campaign_idx ON messages (campaign_id, status) WHERE campaign_id IS NOT NULL;
CREATE INDEX messages_failed_idx ON messages (failed_at) WHERE status = 'failed';

CREATE TABLE webhook_events (
  event_key text PRIMARY KEY,
  kind text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_processed_idx ON webhook_events (processed_at);

-- raw webhook bodies kept while NATS is unreachable, drained into the stream later
CREATE TABLE webhook_inbox (
  id bigserial PRIMARY KEY,
  body_sha256 text NOT NULL UNIQUE,
  body bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  forwarded_at timestamptz
);
CREATE INDEX webhook_inbox_pending_idx ON webhook_inbox (id) WHERE forwarded_at IS NULL;

CREATE TABLE audit_logs (
  id bigserial PRIMARY KEY,
  actor text NOT NULL CHECK (actor IN ('agent', 'system', 'webhook', 'operator')),
  action text NOT NULL,
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_logs_subject_idx ON audit_logs (subject_type, subject_id, created_at);

CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only';
END $$;
CREATE TRIGGER audit_logs_no_update BEFORE UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP TABLE IF EXISTS audit_logs, webhook_inbox, webhook_events, messages, campaigns, policies, templates,
  conversations, customers, phone_numbers CASCADE;
DROP FUNCTION IF EXISTS audit_logs_append_only();
`)
    .execute(db);
}
