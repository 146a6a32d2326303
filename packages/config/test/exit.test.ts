import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("./fixtures/load-or-exit.mjs", import.meta.url));

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, [script], { env: { PATH: process.env["PATH"] ?? "", ...env }, encoding: "utf8" });
}

describe("loadConfigOrExit (spawned node process)", () => {
  it("prints the service, one line per problem and no stack, then exits 1", () => {
    const res = run({
      META_ACCESS_TOKEN: "EAAG-secret",
      META_WABA_ID: "12x",
      DELIVERY_CONCURRENCY: "0",
      META_API_VERSION: "25",
    });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      "delivery-worker: invalid configuration",
      '  META_API_VERSION: expected a version such as "v25.0", got "25"',
      "  META_PHONE_NUMBER_ID: required (the WhatsApp business phone number id)",
      '  META_WABA_ID: expected digits only, got "12x"',
      '  DELIVERY_CONCURRENCY: expected an integer from 1 to 256, got "0"',
    ]);
    expect(res.stderr).not.toMatch(/^\s+at /m);
    expect(res.stderr).not.toContain("EAAG-secret");
  });

  it("returns the config when the environment is valid", () => {
    const res = run({
      META_ACCESS_TOKEN: "EAAG-secret",
      META_PHONE_NUMBER_ID: "1",
      META_WABA_ID: "2",
      DELIVERY_CONCURRENCY: "32",
    });
    expect(res.status).toBe(0);
    expect(res.stderr).toBe("");
    const cfg = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(cfg["DELIVERY_CONCURRENCY"]).toBe(32);
    expect(cfg["META_ACCESS_TOKEN"]).toBe("[redacted]");
  });
});
