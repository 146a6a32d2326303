// The shipped PgBouncer config (infra/pgbouncer/pgbouncer.ini, transaction pooling) in front of the real
// Postgres, with our own database code going through it: the startup parameters createPool sends, the
// migrator's reads, transaction-scoped advisory locks (campaign fan-out), and a pool of many clients
// sharing few server connections. pgbouncer comes from Debian's package (installed by the set-up).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db, pendingMigrations } from "@wa/db";
import { freePort, hostPort, useTestDatabase } from "@wa/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRepoRoot } from "../src/index.js";

const root = findRepoRoot();
const testDb = useTestDatabase();
let bouncer: ChildProcess | undefined;
let log = "";
let url = "";
let version = "";

/** The shipped ini pointed at the local Postgres and a free port; settings newer than the local binary dropped. */
function localIni(port: number): string {
  const pg = hostPort(testDb.url);
  let ini = readFileSync(join(root, "infra/pgbouncer/pgbouncer.ini"), "utf8")
    .replace("host=postgres port=5432", `host=${pg.host} port=${pg.port}`)
    .replace("listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1")
    .replace("listen_port = 6432", `listen_port = ${port}`);
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major === 1 && minor < 21) ini = ini.replace(/^max_prepared_statements = .*$/m, ""); // unknown before 1.21
  return ini;
}

beforeAll(async () => {
  const v = spawnSync("pgbouncer", ["--version"], { encoding: "utf8" });
  if (v.error) throw new Error("pgbouncer is not installed: run the set-up (npm test) or apt-get install pgbouncer");
  version = /PgBouncer (\d+\.\d+\.\d+)/.exec(v.stdout)?.[1] ?? "0.0.0";
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "wa-pgbouncer-"));
  chmodSync(dir, 0o755);
  const file = join(dir, "pgbouncer.ini");
  writeFileSync(file, localIni(port), { mode: 0o644 });
  // PgBouncer refuses to run as root: drop to nobody when the tests run as root (CI containers).
  const asRoot = process.getuid?.() === 0;
  bouncer = spawn("pgbouncer", [file], {
    stdio: ["ignore", "pipe", "pipe"],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  bouncer.stderr?.on("data", (b: Buffer) => void (log += b.toString()));
  bouncer.stdout?.on("data", (b: Buffer) => void (log += b.toString()));
  const until = Date.now() + 10_000;
  while (!/listening on/.test(log)) {
    if (Date.now() > until || bouncer.exitCode !== null) throw new Error(`pgbouncer did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const u = new URL(testDb.url);
  u.host = `127.0.0.1:${port}`;
  url = u.toString();
});

afterAll(async () => {
  if (bouncer && bouncer.exitCode === null) {
    const exited = new Promise((r) => bouncer!.once("exit", r));
    bouncer.kill("SIGTERM");
    await exited;
  }
});

describe(`our database code through PgBouncer (transaction pooling)`, () => {
  let db: Db;
  beforeAll(() => {
    db = createDb(url, { max: 8, applicationName: "pgbouncer-test", statementTimeoutMs: 30_000 });
  });
  afterAll(async () => db.destroy());

  it("accepts the apps' connections (statement_timeout in the startup packet) and still applies the timeout", async () => {
    const r = await sql<{ st: string }>`SELECT current_setting('statement_timeout') AS st`.execute(db);
    expect(r.rows[0]?.st).toBe("30s");
  });

  it("runs the migrator's schema check", async () => {
    expect(await pendingMigrations(db)).toEqual([]);
  });

  it("serializes transactions on a transaction-scoped advisory lock (the campaign fan-out lock)", async () => {
    const order: string[] = [];
    await Promise.all(
      [1, 2, 3].map((i) =>
        db.transaction().execute(async (trx) => {
          await sql`SELECT pg_advisory_xact_lock(7001, hashtext('campaign-x'))`.execute(trx);
          order.push(`in${i}`);
          await sql`SELECT pg_sleep(0.05)`.execute(trx);
          order.push(`out${i}`);
        }),
      ),
    );
    for (let k = 0; k < order.length; k += 2) expect(order[k + 1]).toBe(order[k]!.replace("in", "out"));
  });

  it("serves 40 concurrent clients over at most default_pool_size server connections", async () => {
    const clients = Array.from({ length: 40 }, () => createDb(url, { max: 1, applicationName: "pgbouncer-many" }));
    const direct = createDb(testDb.url, { max: 1 });
    try {
      const state = { done: false };
      const running = Promise.all(clients.map((c) => sql`SELECT pg_sleep(0.3) AS pooled_probe`.execute(c))).finally(
        () => (state.done = true),
      );
      // The most statements of the 40 clients running at once on Postgres, sampled until they all finish.
      let most = 0;
      while (!state.done) {
        const active = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND query LIKE '%pooled_probe%' AND pid <> pg_backend_pid()`.execute(
          direct,
        );
        most = Math.max(most, active.rows[0]!.n);
      }
      // They share PgBouncer's server connections: never more than the pool (20 + 5 reserve).
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(25);
      expect((await running).length).toBe(40);
    } finally {
      await direct.destroy();
      await Promise.all(clients.map((c) => c.destroy()));
    }
  });
});
