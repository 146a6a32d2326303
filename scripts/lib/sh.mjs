// Small process helpers for the root scripts: plain Node, no dependencies (they run before `pnpm install`).
import { spawn, spawnSync } from "node:child_process";

export const log = (msg) => process.stderr.write(`\x1b[36m[wa]\x1b[0m ${msg}\n`);
export const warn = (msg) => process.stderr.write(`\x1b[33m[wa]\x1b[0m ${msg}\n`);

/** Runs a command with inherited stdio; resolves with its exit code. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit", ...opts });
    child.on("error", () => resolve(127));
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Runs a command and fails the script with its name when it fails. */
export async function must(cmd, args, opts = {}) {
  const code = await run(cmd, args, opts);
  if (code !== 0) {
    warn(`failed (exit ${code}): ${cmd} ${args.join(" ")}`);
    process.exit(code || 1);
  }
}

/** Runs quietly and returns { code, out }. */
export function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  return { code: r.error ? 127 : (r.status ?? 1), out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

export const has = (bin) => capture("sh", ["-c", `command -v ${bin}`]).code === 0;
export const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
