import { Kysely, Migrator, PostgresDialect, sql, type MigrationResult } from "kysely";
import pg from "pg";
import { migrations } from "@wa/migrations";
import type { Database } from "./types.js";

export type Db = Kysely<Database>;

export interface DbOptions {
  max?: number; // pool size
  applicationName?: string;
  statementTimeoutMs?: number;
}

/**
 * A pg pool that survives its server going away (restart, network cut): idle clients report on the pool,
 * checked-out ones on the client itself, and an unheard 'error' event would kill the process. The query in
 * flight rejects anyway, so the caller still sees the fault.
 */
export function createPool(url: string, options: DbOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "wa-gateway",
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: 5_000,
  });
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
    prepareMarked(client);
  });
  return pool;
}

const PREPARED = /^\/\* prepared: ([\w.-]+) \*\//;

/**
 * A statement whose text starts with `/* prepared: <name> *\/` runs as a named prepared statement: parsed and
 * analysed once per connection, and after five runs Postgres may keep a generic plan, so planning is skipped too.
 * For the few statements run once per message at full throughput (issue 19: parse, analysis and planning were
 * ~45 % of Postgres' CPU in delivery, the messages table's 15 indexes making each plan dear). A name must always
 * carry the same text: pg refuses a second text under a used name. PgBouncer (infra/k8s) keeps them since 1.21.
 */
function prepareMarked(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    const name = typeof text === "string" ? PREPARED.exec(text)?.[1] : undefined;
    return name ? query({ name, text, values }, ...rest) : query(text, values, ...rest);
  };
}

/** A Kysely instance over `createPool`; `db.destroy()` closes the pool. */
export function createDb(url: string, options: DbOptions = {}): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(url, options) }) });
}

const provider = { getMigrations: async () => ({ ...migrations }) };

export interface MigrateOutcome {
  applied: string[];
}

/** Runs every pending migration; a second run is a no-op. Throws with the failing migration named. */
export async function migrate(db: Kysely<any>): Promise<MigrateOutcome> {
  // Numbers are handed out to parallel work up front, so 0008 may land after 0009 ran on a database: apply it then.
  const { error, results } = await new Migrator({ db, provider, allowUnorderedMigrations: true }).migrateToLatest();
  const applied = (results ?? []).filter((r: MigrationResult) => r.status === "Success").map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { applied };
}

/** Names of migrations not yet applied (startup check: apps refuse to run on an old schema). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const all = await new Migrator({ db, provider }).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Creates the database named in `url` when it does not exist (connects to `postgres` to do so). */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`unsupported database name in DATABASE_URL: "${name}"`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } catch (err) {
      if ((err as { code?: string }).code !== "42P04") throw err; // created concurrently
      return { created: false };
    }
    return { created: true };
  } finally {
    await client.end();
  }
}

/** `SELECT 1` with a short timeout, for readiness checks. */
export async function pingDb(db: Kysely<any>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
