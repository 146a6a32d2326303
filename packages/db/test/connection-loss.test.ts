import { useTestDatabase } from "@wa/testkit";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { createDb, type Db } from "../src/index.js";

const database = useTestDatabase();
let db: Db | undefined;
afterAll(() => db?.destroy());

it("survives the server killing a connection in the middle of a transaction, and keeps serving", async () => {
  db = createDb(database.url, { max: 2 });
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  const killed = db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
    await admin.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
    await sql`SELECT pg_sleep(0.2)`.execute(trx); // the server is gone: this rejects
  });
  await expect(killed).rejects.toThrow();
  await admin.end();
  // Without the client error listener the 'error' event above is unhandled and the worker process dies.
  const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
  expect(rows[0]?.one).toBe(1);
});
