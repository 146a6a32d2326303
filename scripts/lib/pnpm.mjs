import { readFileSync } from "node:fs";
import { capture, log, run, warn } from "./sh.mjs";

/** Makes sure the pinned pnpm is on PATH (installs it with npm when missing); returns the command to use. */
export async function ensurePnpm(root) {
  const want = JSON.parse(readFileSync(`${root}/package.json`, "utf8")).packageManager.split("@")[1];
  const have = capture("pnpm", ["--version"]);
  if (have.code === 0 && have.out.split("\n").pop() === want) return ["pnpm"];
  log(`pnpm ${want} ${have.code === 0 ? `needed (found ${have.out})` : "missing"}: npm install -g pnpm@${want}`);
  if ((await run("npm", ["install", "-g", `pnpm@${want}`])) === 0 && capture("pnpm", ["--version"]).code === 0) {
    return ["pnpm"];
  }
  warn(`global install failed; using npx pnpm@${want}`);
  return ["npx", "--yes", `pnpm@${want}`];
}
