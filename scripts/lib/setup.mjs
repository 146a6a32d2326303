// The shared set-up of `npm start` and `npm test`: pnpm, install, services, tools, build, migrate, seed.
import { fileURLToPath } from "node:url";
import { ensurePnpm } from "./pnpm.mjs";
import { resolveEnv } from "./env.mjs";
import { ensureServices } from "./services.mjs";
import { ensureTools } from "./tools.mjs";
import { log, must, warn } from "./sh.mjs";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function setup({ ci = process.env.CI === "true" } = {}) {
  const started = Date.now();
  const env = resolveEnv(ROOT);
  const childEnv = { ...process.env, ...env };
  const pnpm = await ensurePnpm(ROOT);
  const pn = (args, opts = {}) => must(pnpm[0], [...pnpm.slice(1), ...args], { cwd: ROOT, env: childEnv, ...opts });

  log(`installing dependencies${ci ? " (frozen lockfile)" : ""}`);
  await pn(["install", ...(ci ? ["--frozen-lockfile"] : [])]);

  log("checking PostgreSQL, Redis and NATS JetStream");
  if (!(await ensureServices(env, ROOT))) {
    warn("required services are missing (see above); stopping");
    process.exit(1);
  }
  // A missing tool fails only the tests that need it, with the reason; the apps still start.
  await ensureTools();
  log("building");
  await pn(["turbo", "run", "build", "--output-logs=errors-only"]);
  log("migrating and seeding");
  await pn(["run", "--silent", "migrate"]);
  await pn(["run", "--silent", "seed"]);
  log(`set-up done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { env, childEnv, pnpm, pn };
}
