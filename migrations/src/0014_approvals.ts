import { type Kysely, sql } from "kysely";

// Frozen once shipped. Human approval (issue 18): the `require_approval` policy type, and the approvals a
// matching send or campaign waits in: the full request to re-run, who asked, when it expires, who decided and why.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE policies DROP CONSTRAINT IF EXISTS policies_type_check;
ALTER TABLE policies ADD CONSTRAINT policies_type_check
  CHECK (type IN ('time_restriction', 'segment_exclusion', 'frequency_limit', 'media_link_domains', 'require_approval'));

CREATE TABLE approvals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('message', 'campaign')),
  tool text NOT NULL,
  request jsonb NOT NULL,
  summary jsonb NOT NULL DEFAULT '{}',
  matched jsonb NOT NULL DEFAULT '[]',
  checks jsonb NOT NULL DEFAULT '[]',
  requested_by text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  decided_by text,
  decided_at timestamptz,
  reason text,
  message_id uuid,
  campaign_id uuid,
  refusal jsonb
);
CREATE INDEX approvals_pending_idx ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_created_idx ON approvals (created_at DESC);
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP TABLE IF EXISTS approvals;
DELETE FROM policies WHERE type = 'require_approval';
ALTER TABLE policies DROP CONSTRAINT IF EXISTS policies_type_check;
ALTER TABLE policies ADD CONSTRAINT policies_type_check
  CHECK (type IN ('time_restriction', 'segment_exclusion', 'frequency_limit', 'media_link_domains'));
`)
    .execute(db);
}
