import { type Kysely, sql } from "kysely";

// Frozen once shipped. Many numbers, many accounts (accounts.yaml): business portfolios own WABAs, WABAs own
// numbers. A business's customers, consent, tags, aliases and frequency slots live under its own `channel`
// value ("whatsapp" for the business that owned the single number before this migration, "whatsapp:<id>" for
// every other), so existing rows become the default business's without a rewrite. The 24 h window is per
// (number, customer): conversations gain phone_number_id. Campaigns name their number. Existing rows are
// given the one number a single-number database knows (its phone_numbers row); the accounts sync at start
// assigns any row still without one to the default number (a database that was never seeded).
// Templates belong to a WABA (Meta's model): unique per (waba_id, name, locale). A row written without waba_id
// takes the default number's WABA (templates_default_waba_id()); NULL only before the first accounts sync, which
// then claims it for the default WABA.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE businesses (
  business_id text PRIMARY KEY CHECK (business_id ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  name text NOT NULL,
  channel text NOT NULL UNIQUE,
  is_default boolean NOT NULL DEFAULT false,
  messaging_limit_tier text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX businesses_one_default_idx ON businesses (is_default) WHERE is_default;

CREATE TABLE wabas (
  waba_id text PRIMARY KEY,
  business_id text NOT NULL REFERENCES businesses (business_id),
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE phone_numbers ADD COLUMN is_default boolean NOT NULL DEFAULT false;
ALTER TABLE phone_numbers ADD COLUMN active boolean NOT NULL DEFAULT true;
CREATE UNIQUE INDEX phone_numbers_one_default_idx ON phone_numbers (is_default) WHERE is_default;
CREATE INDEX phone_numbers_waba_idx ON phone_numbers (waba_id);

ALTER TABLE conversations ADD COLUMN phone_number_id text;
DROP INDEX conversations_one_active_idx;
CREATE UNIQUE INDEX conversations_one_active_idx ON conversations (channel, customer_id, phone_number_id)
  NULLS NOT DISTINCT WHERE status = 'active';

ALTER TABLE campaigns ADD COLUMN phone_number_id text;

-- a single-number database: its one number becomes the default one and owns every existing row
UPDATE phone_numbers SET is_default = true WHERE (SELECT count(*) FROM phone_numbers) = 1;
UPDATE conversations SET phone_number_id = (SELECT phone_number_id FROM phone_numbers WHERE is_default)
  WHERE phone_number_id IS NULL;
UPDATE campaigns SET phone_number_id = (SELECT phone_number_id FROM phone_numbers WHERE is_default)
  WHERE phone_number_id IS NULL;
UPDATE messages SET phone_number_id = (SELECT phone_number_id FROM phone_numbers WHERE is_default)
  WHERE phone_number_id IS NULL AND direction = 'outbound';

CREATE FUNCTION templates_default_waba_id() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT waba_id FROM phone_numbers WHERE is_default $$;
ALTER TABLE templates ADD COLUMN waba_id text DEFAULT templates_default_waba_id();
UPDATE templates SET waba_id = templates_default_waba_id() WHERE waba_id IS NULL;
ALTER TABLE templates DROP CONSTRAINT templates_name_locale_key;
ALTER TABLE templates ADD CONSTRAINT templates_waba_name_locale_key UNIQUE NULLS NOT DISTINCT (waba_id, name, locale);
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
-- one row per (name, locale) again: the default WABA's wins (the older version knows only that one)
DELETE FROM templates WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY name, locale
  ORDER BY waba_id IS NOT DISTINCT FROM templates_default_waba_id() DESC, updated_at DESC) AS r FROM templates) x
  WHERE r > 1);
ALTER TABLE templates DROP CONSTRAINT templates_waba_name_locale_key;
ALTER TABLE templates DROP COLUMN waba_id;
DROP FUNCTION templates_default_waba_id();
ALTER TABLE templates ADD CONSTRAINT templates_name_locale_key UNIQUE (name, locale);
ALTER TABLE campaigns DROP COLUMN phone_number_id;
DROP INDEX conversations_one_active_idx;
ALTER TABLE conversations DROP COLUMN phone_number_id;
CREATE UNIQUE INDEX conversations_one_active_idx ON conversations (channel, customer_id) WHERE status = 'active';
DROP INDEX phone_numbers_waba_idx;
DROP INDEX phone_numbers_one_default_idx;
ALTER TABLE phone_numbers DROP COLUMN active;
ALTER TABLE phone_numbers DROP COLUMN is_default;
DROP TABLE wabas;
DROP TABLE businesses;
`)
    .execute(db);
}
