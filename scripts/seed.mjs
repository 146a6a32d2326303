// `pnpm seed`: the demo business number, the templates mock-meta serves, and policies.yaml (idempotent).
import { readFileSync } from "node:fs";
import { resolveEnv } from "./lib/env.mjs";
import { ROOT } from "./lib/setup.mjs";
import { seedDemo } from "@wa/seed";

const env = resolveEnv(ROOT);
try {
  const demo = JSON.parse(readFileSync(`${ROOT}infra/seed/demo.json`, "utf8"));
  const summary = await seedDemo({ databaseUrl: env.DATABASE_URL, policiesFile: `${ROOT}policies.yaml`, demo });
  process.stdout.write(`seed: ${summary}\n`);
} catch (err) {
  process.stderr.write(`seed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
