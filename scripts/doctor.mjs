// `pnpm run doctor`: checks the Meta configuration (token, number, WABA, webhook subscription, templates) read-only.
import { resolveEnv } from "./lib/env.mjs";
import { ROOT } from "./lib/setup.mjs";
import { run } from "./lib/sh.mjs";

const env = resolveEnv(ROOT);
process.exit(await run("node", [`${ROOT}packages/doctor/dist/doctor-cli.js`], { env: { ...process.env, ...env } }));
