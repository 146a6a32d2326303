// Issue 19: a statement marked `/* prepared: <name> */` runs as a named prepared statement on its connection
// (parse, analysis and planning once, not per call); an unmarked one stays unnamed.
import { TEST_DATABASE_ADMIN_URL } from "@wa/testkit";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../src/index.js";

const db = createDb(TEST_DATABASE_ADMIN_URL, { max: 1 }); // one connection: the session's statements are visible

afterAll(() => db.destroy());

const prepared = async () =>
  (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(db)).rows.map(
    (r) => r.name,
  );

describe("marked statements", () => {
  it("a marked statement is prepared once per connection and answers like an unnamed one", async () => {
    for (const n of [1, 2, 3]) {
      const r = await sql<{ x: number }>`/* prepared: test-double */ SELECT ${n}::int * 2 AS x`.execute(db);
      expect(r.rows).toEqual([{ x: n * 2 }]);
    }
    expect(await sql<{ x: number }>`SELECT ${4}::int * 2 AS x`.execute(db)).toMatchObject({ rows: [{ x: 8 }] });
    expect(await prepared()).toEqual(["test-double"]);
  });

  it("a name used for another text is refused (a fault, not a wrong plan)", async () => {
    await expect(sql`/* prepared: test-double */ SELECT ${1}::int * 3 AS x`.execute(db)).rejects.toThrow(/unique/i);
  });
});
