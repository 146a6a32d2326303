import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createDb } from "@wa/db";
import { useTestDatabase } from "@wa/testkit";
import { expect, it } from "vitest";
import { seedDemo } from "../src/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const demo = JSON.parse(readFileSync(`${ROOT}infra/seed/demo.json`, "utf8"));
const tdb = useTestDatabase();

it("seeds the demo number and its templates under its WABA, idempotently", async () => {
  const opts = { databaseUrl: tdb.url, policiesFile: `${ROOT}policies.yaml`, demo };
  const first = await seedDemo(opts);
  expect(await seedDemo(opts)).toBe(first);
  const db = createDb(tdb.url, { max: 1 });
  try {
    const rows = await db.selectFrom("templates").select(["name", "waba_id"]).execute();
    expect(rows).toHaveLength(demo.templates.length);
    expect(rows.every((r) => r.waba_id === demo.phone_numbers[0].waba_id)).toBe(true);
  } finally {
    await db.destroy();
  }
});
