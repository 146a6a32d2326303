import { createHash } from "node:crypto";
import { Kysely, Migrator, PostgresDialect } from "kysely";
import pg from "pg";
import { migrations } from "@wa/migrations";
import { TEST_DATABASE_ADMIN_URL } from "./names.js";

const LOCK_KEY = 727_001; // advisory lock serializing template builds and clones across test processes
const STALE_AFTER_MS = 2 * 60 * 60 * 1000;

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** The template's name changes whenever a migration's code changes, so edits never reuse a stale template. */
function templateName(): string {
  const hash = createHash("sha256");
  for (const [name, m] of Object.entries(migrations)) hash.update(name).update(String(m.up));
  return `wa_tpl_${hash.digest("hex").slice(0, 16)}`;
}

function urlFor(name: string): string {
  const u = new URL(TEST_DATABASE_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function exists(admin: pg.Client, name: string): Promise<boolean> {
  const r = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return (r.rowCount ?? 0) > 0;
}

async function buildTemplate(admin: pg.Client, name: string): Promise<void> {
  const building = `${name}_build`;
  await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${building}"`);
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: urlFor(building), max: 1 }) }),
  });
  try {
    const { error } = await new Migrator({
      db,
      provider: { getMigrations: async () => ({ ...migrations }) },
    }).migrateToLatest();
    if (error) throw error;
  } finally {
    await db.destroy();
  }
  await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
}

/** Drops test databases left behind by crashed runs (their names carry the creation time). */
async function dropStale(admin: pg.Client): Promise<void> {
  const rows = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'wa\\_t\\_%'",
  );
  for (const { datname } of rows.rows) {
    const born = Number.parseInt(datname.split("_")[2] ?? "", 36);
    if (Number.isFinite(born) && Date.now() - born > STALE_AFTER_MS) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  }
}

/** A fresh database cloned from a migrated template (built once per migration set). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = templateName();
  const name = `wa_t_${Date.now().toString(36)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      if (!(await exists(admin, template))) {
        await dropStale(admin);
        await buildTemplate(admin, template);
      }
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: urlFor(name),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
      await c.connect();
      try {
        // Give pools a moment to close on their own: a forced drop makes their idle clients emit errors.
        for (let i = 0; i < 20; i += 1) {
          const r = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name]);
          if (r.rows[0].n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
