import { redactUrl } from "@wa/config";
import { createDb, ensureDatabase, migrate } from "./db.js";

// `pnpm migrate`: creates the database if needed, then applies pending migrations.
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/wa_gateway";
const redacted = redactUrl(url);
try {
  const { created } = await ensureDatabase(url);
  const db = createDb(url, { max: 1, applicationName: "wa-migrate" });
  try {
    const { applied } = await migrate(db);
    const what = applied.length ? `applied ${applied.join(", ")}` : "already up to date";
    process.stdout.write(`migrate: ${redacted}${created ? " (created)" : ""}: ${what}\n`);
  } finally {
    await db.destroy();
  }
} catch (err) {
  process.stderr.write(`migrate: ${redacted}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
