import { createDb, type Db, ensureDatabase } from "@wa/db";
import { migrations } from "@wa/migrations";
import { TEST_DATABASE_ADMIN_URL } from "@wa/testkit";
import { Migrator, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openAccounts } from "../src/index.js";

// A database filled by the version before accounts (migrated up to 0015), then migrated: every row is kept and
// becomes the default account's, so a user with one number sees no change.
const name = `wa_t_${Date.now().toString(36)}_${process.pid}_accmig`;
const url = Object.assign(new URL(TEST_DATABASE_ADMIN_URL), { pathname: `/${name}` }).toString();
let db: Db;
const migrator = () => new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });

beforeAll(async () => {
  await ensureDatabase(url);
  db = createDb(url);
});
afterAll(async () => {
  await db.destroy();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
});

it("turns a single-number database into the default account without losing a row", async () => {
  const up = await migrator().migrateTo("0015_approval_idempotency");
  expect(up.error).toBeUndefined();
  // what `npm start` of the previous version wrote: the seeded number, customers, a window, messages, a campaign
  await sql
    .raw(`
INSERT INTO phone_numbers (phone_number_id, waba_id, display_phone_number) VALUES ('106540352242922', '102290129340398', '+1 555 0100');
INSERT INTO customers (customer_id, marketing_consent, marketing_consent_source) SELECT '1555000' || g, CASE WHEN g % 2 = 0 THEN 'revoked' ELSE 'granted' END, 'import' FROM generate_series(100, 199) g;
INSERT INTO conversations (customer_id, opened_at, last_inbound_at, window_expires_at) SELECT '1555000' || g, now() - interval '1 hour', now() - interval '1 hour', now() + interval '23 hours' FROM generate_series(100, 149) g;
INSERT INTO campaigns (name, type, template_name, scheduled_at) VALUES ('spring', 'marketing', 'promo', now());
INSERT INTO templates (name, locale, category, status, components) VALUES ('promo', 'en', 'marketing', 'APPROVED', '[]'), ('promo', 'de', 'marketing', 'APPROVED', '[]');
INSERT INTO messages (customer_id, direction, category, kind, content, status, phone_number_id, wamid) SELECT '1555000' || g, 'outbound', 'utility', 'text', '{}', 'sent', '106540352242922', 'wamid.' || g FROM generate_series(100, 199) g;
INSERT INTO messages (customer_id, direction, category, kind, content, status) SELECT '1555000' || g, 'outbound', 'utility', 'text', '{}', 'queued' FROM generate_series(100, 109) g;
INSERT INTO messages (customer_id, direction, kind, content, status) SELECT '1555000' || g, 'inbound', 'text', '{}', 'received' FROM generate_series(100, 149) g;
`)
    .execute(db);
  const count = async (table: string) =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!.n);
  const before = Object.fromEntries(
    await Promise.all(
      ["customers", "conversations", "messages", "campaigns", "templates"].map(async (t) => [t, await count(t)]),
    ),
  );

  const latest = await migrator().migrateToLatest();
  expect(latest.error).toBeUndefined();
  for (const [t, n] of Object.entries(before)) expect(await count(t)).toBe(n);
  const unassigned = await sql<{ n: string }>`
    SELECT (SELECT count(*) FROM conversations WHERE phone_number_id IS DISTINCT FROM '106540352242922')
         + (SELECT count(*) FROM campaigns WHERE phone_number_id IS DISTINCT FROM '106540352242922')
         + (SELECT count(*) FROM messages WHERE direction = 'outbound' AND phone_number_id IS DISTINCT FROM '106540352242922') AS n`.execute(
    db,
  );
  expect(Number(unassigned.rows[0]!.n)).toBe(0);

  // the apps' first start: the env variables become the default business, owning the old rows' channel
  const accounts = await openAccounts({
    db,
    file: "/nonexistent/accounts.yaml",
    single: { META_PHONE_NUMBER_ID: "106540352242922", META_WABA_ID: "102290129340398" },
  });
  expect(accounts.defaultNumber).toMatchObject({ channel: "whatsapp", businessId: "default" });
  const customers = await db.selectFrom("customers").select(["channel", "marketing_consent"]).execute();
  expect(customers.every((c) => c.channel === accounts.defaultNumber.channel)).toBe(true);
  expect(customers.filter((c) => c.marketing_consent === "revoked")).toHaveLength(50); // every STOP kept
  const number = await db.selectFrom("phone_numbers").selectAll().executeTakeFirstOrThrow();
  expect(number).toMatchObject({ is_default: true, active: true, display_phone_number: "+1 555 0100" });
  expect(await count("phone_numbers")).toBe(1);
  // the old templates are the default WABA's; one written without waba_id now takes it too
  await db
    .insertInto("templates")
    .values({ name: "later", locale: "en", category: "utility", status: "APPROVED", components: "[]" })
    .execute();
  const templates = await db.selectFrom("templates").select(["name", "waba_id"]).execute();
  expect(templates).toHaveLength(3);
  expect(templates.every((t) => t.waba_id === "102290129340398")).toBe(true);
});

it("keeps templates of a database never seeded unassigned until the accounts sync claims them", async () => {
  await db.deleteFrom("phone_numbers").execute();
  await db.deleteFrom("templates").execute();
  await db
    .insertInto("templates")
    .values({ name: "early", locale: "en", category: "utility", status: "APPROVED", components: "[]" })
    .execute();
  expect((await db.selectFrom("templates").select("waba_id").executeTakeFirstOrThrow()).waba_id).toBeNull();
  await openAccounts({
    db,
    file: "/nonexistent/accounts.yaml",
    single: { META_PHONE_NUMBER_ID: "2", META_WABA_ID: "3" },
  });
  expect((await db.selectFrom("templates").select("waba_id").executeTakeFirstOrThrow()).waba_id).toBe("3");
  // the same name and locale in another WABA is another template
  await db
    .insertInto("templates")
    .values({ waba_id: "4", name: "early", locale: "en", category: "utility", status: "APPROVED", components: "[]" })
    .execute();
  await expect(
    db
      .insertInto("templates")
      .values({ name: "early", locale: "en", category: "utility", status: "APPROVED", components: "[]" })
      .execute(),
  ).rejects.toThrow(/templates_waba_name_locale_key/);
});

it("migrates down to one template per (name, locale), the default WABA's kept", async () => {
  const down = await migrator().migrateTo("0015_approval_idempotency");
  expect(down.error).toBeUndefined();
  const rows = await sql<{ name: string }>`SELECT name FROM templates`.execute(db);
  expect(rows.rows).toHaveLength(1);
  expect((await migrator().migrateToLatest()).error).toBeUndefined();
});
