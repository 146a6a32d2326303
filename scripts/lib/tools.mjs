// Command-line tools the tests need besides the services: promtool (alert rule unit tests, from Debian's
// `prometheus` package), pgbouncer (the shipped PgBouncer config in front of the real Postgres) and chromium
// (the console's browser tests, driven by playwright-core).
// Installed with apt when root, like the services; otherwise says what is missing. Their daemons stay off.
import { capture, has, isRoot, log, run, warn } from "./sh.mjs";

const TOOLS = [
  { bin: "promtool", apt: "prometheus", service: "prometheus" },
  { bin: "pgbouncer", apt: "pgbouncer", service: "pgbouncer" }, // PgBouncer config test (infra/pgbouncer)
  { bin: "chromium", apt: "chromium", service: null }, // console browser tests (apps/console/test/browser.test.ts)
];

export async function ensureTools() {
  const missing = TOOLS.filter((t) => !has(t.bin));
  if (!missing.length) return true;
  const pkgs = missing.map((t) => t.apt);
  if (!isRoot() || !has("apt-get")) {
    warn(
      `missing ${missing.map((t) => t.bin).join(", ")}: install ${pkgs.join(" ")} (apt) for the tests that need them`,
    );
    return false;
  }
  log(`apt-get install ${pkgs.join(" ")} (for ${missing.map((t) => t.bin).join(", ")})`);
  await run("apt-get", ["update", "-qq"]);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const code = await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], { env });
  // Only the binaries are wanted: a Prometheus on :9090 or a PgBouncer on :6432 would collide with compose's.
  for (const t of missing) if (t.service && has("systemctl")) capture("systemctl", ["disable", "--now", t.service]);
  if (code !== 0) warn(`apt-get install ${pkgs.join(" ")} failed (exit ${code})`);
  return code === 0 && missing.every((t) => has(t.bin));
}
