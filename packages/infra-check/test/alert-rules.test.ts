// Runs Prometheus's own rule checker and unit tests (infra/prometheus/alerts.test.yml) so `npm test` proves
// that every alert fires when it should and stays quiet otherwise. promtool comes from Debian's `prometheus`
// package, which the set-up (scripts/lib/setup.mjs) installs when it is missing.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRepoRoot, loadYamlFile, ruleList } from "../src/index.js";

const root = findRepoRoot();
const dir = join(root, "infra/prometheus");

function promtool(args: string[]): { code: number; out: string } {
  const r = spawnSync("promtool", args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
  if (r.error)
    throw new Error(
      `promtool is not runnable (${r.error.message}): run the set-up (npm test / npm start) or apt-get install prometheus`,
    );
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

describe("alert rules under promtool", () => {
  it("promtool check rules accepts alerts.yml", () => {
    const r = promtool(["check", "rules", "alerts.yml"]);
    expect(r.out, r.out).toMatch(/SUCCESS/);
    expect(r.code, r.out).toBe(0);
  });

  it("promtool test rules passes alerts.test.yml", () => {
    const r = promtool(["test", "rules", "alerts.test.yml"]);
    expect(r.code, r.out).toBe(0);
  });

  it("alerts.test.yml makes every alert fire at least once and proves it quiet at least once", () => {
    const spec = loadYamlFile(join(dir, "alerts.test.yml")) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const checks = spec.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of ruleList(loadYamlFile(join(dir, "alerts.yml")))) {
      const name = String(rule.alert);
      const mine = checks.filter((c) => c.alertname === name);
      expect(
        mine.some((c) => (c.exp_alerts?.length ?? 0) > 0),
        `${name} never expected to fire`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts?.length ?? 0) === 0),
        `${name} never expected to stay quiet`,
      ).toBe(true);
    }
  });
});
