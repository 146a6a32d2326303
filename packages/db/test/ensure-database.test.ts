import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { TEST_DATABASE_ADMIN_URL, uniqueId } from "@wa/testkit";
import { migrations } from "@wa/migrations";
import { createDb, ensureDatabase, migrate, pendingMigrations } from "../src/index.js";

const ALL = Object.keys(migrations); // in run order

const name = uniqueId("wa_ensure").toLowerCase();
const url = (() => {
  const u = new URL(TEST_DATABASE_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
})();

afterAll(async () => {
  const c = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
});

describe("ensureDatabase + migrate on an empty database", () => {
  it("creates once, migrates once, then does nothing", async () => {
    expect(await ensureDatabase(url)).toEqual({ created: true });
    expect(await ensureDatabase(url)).toEqual({ created: false });
    const db = createDb(url, { max: 2 });
    try {
      expect(ALL[0]).toBe("0001_init");
      expect(await pendingMigrations(db)).toEqual(ALL);
      const [a, b] = await Promise.all([migrate(db), migrate(db)]); // concurrent starts are safe
      expect([...a.applied, ...b.applied]).toEqual(ALL);
      expect(await migrate(db)).toEqual({ applied: [] });
    } finally {
      await db.destroy();
    }
  });

  it("refuses a database name it cannot quote safely", async () => {
    await expect(ensureDatabase(`${TEST_DATABASE_ADMIN_URL.replace(/\/[^/]*$/, "")}/bad"name`)).rejects.toThrow(
      /unsupported database name/,
    );
  });
});
