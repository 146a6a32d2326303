// `npm test`: the set-up, then typecheck, lint, format check, knip and every test; non-zero exit on any failure.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { setup, ROOT } from "./lib/setup.mjs";
import { log, run, warn } from "./lib/sh.mjs";

const { pnpm, childEnv } = await setup();
const pn = (args) => run(pnpm[0], [...pnpm.slice(1), ...args], { cwd: ROOT, env: childEnv });
const failures = [];

log("typecheck");
if ((await pn(["turbo", "run", "typecheck", "--output-logs=errors-only"])) !== 0) failures.push("typecheck");
log("lint");
if ((await pn(["run", "--silent", "lint"])) !== 0) failures.push("lint");
log("format (biome: the tree as `pnpm format` writes it)");
if ((await pn(["exec", "biome", "format", "."])) !== 0) failures.push("format");
log("knip (unused files, exports, types, dependencies)");
if ((await pn(["run", "--silent", "knip"])) !== 0) failures.push("knip");

log("tests (vitest, every package and app, against the real services)");
mkdirSync(`${ROOT}.run`, { recursive: true });
const report = `${ROOT}.run/vitest.json`;
const testCode = await pn([
  "exec",
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
]);
if (testCode !== 0) failures.push("tests");

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
}
if (passed === 0 && !failures.includes("tests")) failures.push("tests (none ran)");
if (failures.length) warn(`failed: ${failures.join(", ")}`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
process.exit(failures.length ? 1 : 0);
