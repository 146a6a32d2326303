import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busNames, freePort } from "@wa/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  connectBus,
  ensureTopology,
  isBusError,
  outboundEnvelope,
  publishOutbound,
  runConsumer,
  verdict,
  type Bus,
  type ConsumerRunner,
} from "../src/index.js";
import { memoryLogger, sleep, waitFor } from "./support.js";

// A private nats-server (same binary, own port and store) so this file can stop and start it.
let dir: string;
let port: number;
let server: ChildProcess | null = null;
let bus: Bus | null = null;
let runner: ConsumerRunner | null = null;

async function startServer(): Promise<void> {
  server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
  await waitFor(
    async () => {
      try {
        const probe = await connectBus({ url: `nats://127.0.0.1:${port}`, name: "probe" });
        await probe.close();
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    "nats-server up",
  );
}

async function stopServer(): Promise<void> {
  const s = server;
  if (!s || s.exitCode !== null) return;
  const exited = new Promise((r) => s.once("exit", r));
  s.kill("SIGKILL");
  await exited;
  server = null;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bus-nats-"));
  port = await freePort();
  await startServer();
});

afterAll(async () => {
  await runner?.close();
  await bus?.close();
  await stopServer();
  await rm(dir, { recursive: true, force: true });
});

it("publish fails fast while NATS is down, and the consumer resumes after a restart", { timeout: 60_000 }, async () => {
  const names = busNames();
  const log = memoryLogger();
  bus = await connectBus({ url: `nats://127.0.0.1:${port}`, name: "bus-restart-test", log });
  await ensureTopology(bus.jsm, names);
  const handled = new Set<string>();
  runner = runConsumer({
    js: bus.js,
    stream: names.DELIVERY_STREAM,
    consumer: names.DELIVERY_CONSUMER,
    inFlight: 2,
    log,
    handle: async (ctx) => {
      handled.add(ctx.json(outboundEnvelope).message_id);
      return verdict.ack();
    },
  });

  const before = randomUUID();
  await publishOutbound(bus.js, names, { message_id: before });
  await waitFor(() => handled.has(before), 5000, "message before restart");

  await stopServer();
  const t0 = Date.now();
  const err = await publishOutbound(bus.js, names, { message_id: randomUUID() }, { timeoutMs: 300 }).catch(
    (e: unknown) => e,
  );
  expect(isBusError(err, "PUBLISH_FAILED")).toBe(true);
  expect(Date.now() - t0).toBeLessThan(3000);

  await sleep(500);
  await startServer();
  const after = randomUUID();
  await waitFor(
    async () => {
      const ok = await publishOutbound(bus!.js, names, { message_id: after }, { timeoutMs: 500 }).then(
        () => true,
        () => false,
      );
      return ok;
    },
    20_000,
    "publish after restart",
  );
  await waitFor(() => handled.has(after), 30_000, "message after restart");
  expect(log.lines.some((l) => l.msg === "nats disconnected")).toBe(true);
  expect(log.lines.some((l) => l.msg === "nats reconnected")).toBe(true);
});
