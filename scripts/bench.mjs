// `pnpm bench [name…]`: builds, then runs bench/run.ts with tsx.
import { ROOT } from "./lib/setup.mjs";
import { resolveEnv } from "./lib/env.mjs";
import { must, run } from "./lib/sh.mjs";

const env = { ...process.env, ...resolveEnv(ROOT) };
await must("pnpm", ["turbo", "run", "build", "--output-logs=errors-only"], { cwd: ROOT, env });
process.exit(await run("pnpm", ["exec", "tsx", "bench/run.ts", ...process.argv.slice(2)], { cwd: `${ROOT}`, env }));
