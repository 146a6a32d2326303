import { type Kysely, sql } from "kysely";

// Frozen once shipped. Meta's per-user marketing limit (error 131049): the customer gets no marketing from us until
// this moment, because retrying inside Meta's 24 h only extends its block (meta-api.md, per-user limits).
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`
ALTER TABLE customers ADD COLUMN marketing_limited_until timestamptz;
CREATE INDEX customers_marketing_limited_idx ON customers (marketing_limited_until)
  WHERE marketing_limited_until IS NOT NULL;
`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw("ALTER TABLE customers DROP COLUMN marketing_limited_until;").execute(db);
}
