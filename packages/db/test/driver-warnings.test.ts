// Issue 22 item 5: the pg driver's PG_INVALID_DATE deprecation (an invalid Date as a query parameter) used to
// reach stderr as Node's plain-text "(node:…) [PG_INVALID_DATE] DeprecationWarning" line. Apps route process
// warnings through the JSON logger (logProcessWarnings, called by bootWorker and the receiver): run the real
// driver in a child process, as an app would, and read its output.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_DATABASE_ADMIN_URL } from "@wa/testkit";
import { describe, expect, it } from "vitest";

const here = fileURLToPath(new URL("..", import.meta.url));

function runChild(route: boolean): { stdout: string; stderr: string } {
  const script = `
    import { createLogger, logProcessWarnings } from "@wa/observability";
    import { createPool } from "./dist/index.js";
    const log = createLogger({ service: "driver-warnings-test", level: "info" });
    if (${route}) logProcessWarnings(log);
    const pool = createPool(${JSON.stringify(TEST_DATABASE_ADMIN_URL)}, { max: 1 });
    await pool.query("SELECT $1::text AS d", [new Date(Number.NaN)]).catch(() => {});
    await pool.end();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: here,
    encoding: "utf8",
    timeout: 20_000,
  });
  return { stdout: r.stdout, stderr: r.stderr };
}

describe("pg driver warnings", () => {
  it("PG_INVALID_DATE goes through the JSON logger, nothing non-JSON on stderr", () => {
    const { stdout, stderr } = runChild(true);
    expect(stderr).toBe("");
    const lines = stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; warning?: { code?: string } });
    expect(lines.some((l) => l.msg === "process warning" && l.warning?.code === "PG_INVALID_DATE")).toBe(true);
  });

  it("without the routing Node prints it as plain text (what the test above guards against)", () => {
    expect(runChild(false).stderr).toMatch(/\[PG_INVALID_DATE\] DeprecationWarning/);
  });
});
