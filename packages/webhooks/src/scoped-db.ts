import type { Database } from "@wa/db";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type Transaction,
} from "kysely";

/**
 * Runs every query on one connection that is already inside a transaction; a `transaction()` opened
 * on it becomes a SAVEPOINT. This lets packages that open their own transactions (@wa/state,
 * @wa/campaigns) write inside the processor's one-transaction-per-event, without changing them.
 * Use it sequentially: the nesting depth is a simple counter.
 */
class SavepointDriver implements Driver {
  #depth = 0;
  constructor(private readonly conn: DatabaseConnection) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.conn;
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    this.#depth += 1;
    await c.executeQuery(CompiledQuery.raw(`SAVEPOINT wa_sp_${this.#depth}`));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`RELEASE SAVEPOINT wa_sp_${this.#depth}`));
    this.#depth -= 1;
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`ROLLBACK TO SAVEPOINT wa_sp_${this.#depth}`));
    await c.executeQuery(CompiledQuery.raw(`RELEASE SAVEPOINT wa_sp_${this.#depth}`));
    this.#depth -= 1;
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** A Kysely bound to the connection of `trx`; valid only while `trx` is open. */
export async function scopedTo<T>(trx: Transaction<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return trx.getExecutor().provideConnection(async (conn) => {
    const db = new Kysely<Database>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new SavepointDriver(conn),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    });
    return fn(db);
  });
}
