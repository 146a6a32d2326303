// `pnpm migrate`: runs @wa/db's migrate CLI against DATABASE_URL (dev default when unset).
import { resolveEnv } from "./lib/env.mjs";
import { ROOT } from "./lib/setup.mjs";
import { run } from "./lib/sh.mjs";

const env = resolveEnv(ROOT);
process.exit(await run("node", [`${ROOT}packages/db/dist/migrate-cli.js`], { env: { ...process.env, ...env } }));
