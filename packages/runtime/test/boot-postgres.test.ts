// Issue 14 item 13: a worker's start fails on a Postgres error no retry fixes (missing database or role), with
// the cause in one line, and waits out a transient one (Postgres unreachable at start) instead of dying.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  busNames,
  dropStreams,
  hostPort,
  redisPrefix,
  startTcpProxy,
  TEST_DATABASE_ADMIN_URL,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TcpProxy,
  useTestDatabase,
  waitFor,
} from "@wa/testkit";
import { connectBus } from "@wa/bus";
import { afterAll, describe, expect, it } from "vitest";

const here = fileURLToPath(new URL("..", import.meta.url));
const db = useTestDatabase();
const names = busNames();
const started: ChildProcess[] = [];

// A worker as the apps build one: bootWorker with the scheduler's schema, "ready" once booted.
const SCRIPT = `
  import { schedulerEnv } from "@wa/config";
  import { bootWorker, runMain } from "./dist/index.js";
  runMain("boot-test", async () => {
    const w = await bootWorker("boot-test", schedulerEnv);
    w.log.info("ready");
  });
`;

function startWorker(databaseUrl: string): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--input-type=module", "-e", SCRIPT], {
    cwd: here,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env["PATH"] ?? "",
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix(),
      NATS_URL: TEST_NATS_URL,
      ...names,
      LOG_LEVEL: "info",
    },
  });
  started.push(child);
  let out = "";
  child.stdout?.on("data", (b: Buffer) => void (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => void (out += b.toString()));
  return { child, out: () => out, exited: new Promise((r) => child.once("exit", (code) => r(code))) };
}

const withPath = (path: string, user?: string): string => {
  const u = new URL(TEST_DATABASE_ADMIN_URL);
  u.pathname = path;
  if (user) u.username = user;
  return u.toString();
};

let proxy: TcpProxy | undefined;
afterAll(async () => {
  for (const c of started) if (c.exitCode === null) c.kill("SIGKILL");
  await proxy?.close();
  const bus = await connectBus({ url: TEST_NATS_URL, name: "boot-test-cleanup" });
  await dropStreams(bus.jsm, names);
  await bus.close();
});

describe("bootWorker and Postgres at start", () => {
  it("a missing database fails the start: exit 1, the cause in one line on stderr", async () => {
    const w = startWorker(withPath("/wa_no_such_database_x"));
    expect(await w.exited).toBe(1);
    const lines = w
      .out()
      .split("\n")
      .filter((l) => l.includes("failed to start"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /boot-test: failed to start: postgres refused .*database "wa_no_such_database_x" does not exist \(3D000\)/,
    );
  });

  it("a missing role fails the start the same way", async () => {
    const w = startWorker(withPath(new URL(db.url).pathname, "wa_no_such_role_x"));
    expect(await w.exited).toBe(1);
    expect(w.out()).toMatch(/failed to start: postgres refused .*role "wa_no_such_role_x" does not exist \(28000\)/);
  });

  it("Postgres unreachable at start is waited out: one warning, then ready once it answers", async () => {
    proxy = await startTcpProxy(hostPort(db.url));
    proxy.cut();
    const w = startWorker(proxy.url(db.url));
    await waitFor("the unreachable warning", async () => w.out().includes("postgres unreachable at start"));
    expect(w.child.exitCode).toBeNull();
    proxy.restore();
    await waitFor("ready", async () => w.out().includes('"msg":"ready"'), 20_000);
    expect(w.out().match(/postgres unreachable at start/g)).toHaveLength(1);
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
  });
});
