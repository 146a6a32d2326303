import { type Kysely, sql } from "kysely";

// Frozen once shipped. customer_aliases: another id of a customer (a phone's digits or a business-scoped user
// id), pointing at the customers row that holds the history. A row exists only for ids that are not the
// customer's own customer_id, so "resolve" is one primary-key lookup that falls back to the id itself.
// The index on customers (channel, bsuid) finds a phone customer by the BSUID it carries.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
CREATE TABLE customer_aliases (
  channel text NOT NULL DEFAULT 'whatsapp',
  alias text NOT NULL,
  customer_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('phone', 'bsuid')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, alias),
  FOREIGN KEY (channel, customer_id) REFERENCES customers (channel, customer_id) ON DELETE CASCADE,
  CONSTRAINT customer_aliases_not_self CHECK (alias <> customer_id)
);
CREATE INDEX customer_aliases_customer_idx ON customer_aliases (channel, customer_id);
CREATE INDEX customers_bsuid_idx ON customers (channel, bsuid) WHERE bsuid IS NOT NULL;
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
DROP INDEX customers_bsuid_idx;
DROP TABLE customer_aliases;
`)
    .execute(db);
}
