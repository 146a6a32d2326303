import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase, TEST_DATABASE_ADMIN_URL } from "../src/index.js";

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

describe("createTestDatabase", () => {
  it("clones migrated, independent databases concurrently and drops them", async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    expect(a.name).not.toBe(b.name);
    const tables = await query<{ table_name: string }>(
      a.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["audit_logs", "campaigns", "conversations", "customers", "messages", "templates"]),
    );
    await query(a.url, "INSERT INTO customers (customer_id) VALUES ('628110000001')");
    expect(await query(b.url, "SELECT * FROM customers")).toHaveLength(0);
    await Promise.all([a.drop(), b.drop()]);
    const left = await query<{ datname: string }>(
      TEST_DATABASE_ADMIN_URL,
      `SELECT datname FROM pg_database WHERE datname IN ('${a.name}', '${b.name}')`,
    );
    expect(left).toEqual([]);
  });
});
