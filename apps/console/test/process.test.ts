// The built console as a process: starts on its config, serves, prints how to log in nowhere secret, and drains on
// SIGTERM even while a browser holds a server-sent-events stream open.
import { createDb } from "@wa/db";
import { createOperator, createSession } from "@wa/operators";
import {
  busNames,
  dropStreams,
  freePort,
  redisPrefix,
  spawnApp,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  useTestDatabase,
  waitForHttp,
} from "@wa/testkit";
import { connectBus } from "@wa/bus";
import { afterAll, describe, expect, it } from "vitest";

const database = useTestDatabase();
const names = busNames();
const MAIN = new URL("../dist/main.js", import.meta.url).pathname;

afterAll(async () => {
  const bus = await connectBus({ url: TEST_NATS_URL, name: "console-process-test" });
  await dropStreams(bus.jsm, names);
  await bus.close();
});

describe("console process", () => {
  it("serves pages and exits 0 on SIGTERM with an SSE stream open", async () => {
    const [port, ops] = [await freePort(), await freePort()];
    const app = spawnApp(MAIN, {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix(),
      NATS_URL: TEST_NATS_URL,
      ...names,
      PORT: String(port),
      OPS_PORT: String(ops),
      HOST: "127.0.0.1",
      CONSOLE_COOKIE_SECURE: "false",
      LOG_LEVEL: "warn",
    });
    try {
      await waitForHttp(`http://127.0.0.1:${ops}/ready`, app.proc, { timeoutMs: 25_000 });
      const base = `http://127.0.0.1:${port}`;
      const page = await fetch(`${base}/messages`, { redirect: "manual" });
      expect(page.status).toBe(302);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
      const db = createDb(database.url, { max: 1 });
      const op = await createOperator(
        db,
        { name: "proc", role: "viewer", password: "process test password" },
        "system",
      );
      if (!op.ok) throw new Error(op.message);
      const s = await createSession(db, op.operator.id, 60_000);
      await db.destroy();
      const sse = await fetch(`${base}/campaigns/stream`, { headers: { cookie: `wa_console=${s.token}` } });
      expect(sse.headers.get("content-type")).toContain("text/event-stream");
      const reader = sse.body!.getReader();
      void reader.read().catch(() => {});
      app.proc.kill("SIGTERM");
      expect(await app.exited).toBe(0);
      expect(app.output()).not.toContain(s.token);
    } finally {
      if (app.proc.exitCode === null) app.proc.kill("SIGKILL");
    }
  });
});
