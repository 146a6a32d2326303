// Issue 14 item 13 for the receiver: a DATABASE_URL naming a missing database (or role) fails the start with
// the cause in one line, while Postgres being down at start does not (NATS takes the bodies meanwhile).
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { busNames, TEST_DATABASE_ADMIN_URL, TEST_NATS_URL, waitFor } from "@wa/testkit";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

const env = (databaseUrl: string) => ({
  PATH: process.env["PATH"] ?? "",
  DATABASE_URL: databaseUrl,
  NATS_URL: TEST_NATS_URL,
  ...busNames(),
  META_APP_SECRET: "s",
  WEBHOOK_VERIFY_TOKEN: "v",
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: "info",
});

describe("receiver start and Postgres", () => {
  it("a missing database: exit 1 and one line naming it", () => {
    const u = new URL(TEST_DATABASE_ADMIN_URL);
    u.pathname = "/wa_receiver_no_such_db";
    const r = spawnSync(process.execPath, [main], { encoding: "utf8", timeout: 20_000, env: env(u.toString()) });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /webhook-receiver: failed to start: postgres refused .*database "wa_receiver_no_such_db" does not exist \(3D000\)/,
    );
  });

  it("Postgres unreachable at start: it starts anyway (NATS takes the bodies) and stops cleanly", async () => {
    const child = spawn(process.execPath, [main], {
      env: env("postgres://postgres@127.0.0.1:1/wa"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => void (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => void (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    await waitFor("ready", async () => out.includes('"msg":"ready"') || child.exitCode !== null);
    expect(out).not.toMatch(/failed to start/);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
