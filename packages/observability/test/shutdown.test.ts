import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { createLogger, createShutdown } from "../src/index.js";

function setup(deadlineMs = 5000) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    service: "shutdown-test",
    level: "debug",
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  const exits: number[] = [];
  const shutdown = createShutdown({ log, deadlineMs, exit: (code) => void exits.push(code) });
  return { shutdown, lines, exits };
}

describe("createShutdown", () => {
  it("closes in reverse order of registration and exits 0", async () => {
    const { shutdown, exits } = setup();
    const order: string[] = [];
    const db = { close: async () => void order.push("postgres") };
    expect(shutdown.track("postgres", db)).toBe(db);
    shutdown.track("nats", { close: () => void order.push("nats") });
    shutdown.add("consumer", async () => void order.push("consumer"));
    expect(await shutdown.run("test")).toBe(0);
    expect(order).toEqual(["consumer", "nats", "postgres"]);
    expect(exits).toEqual([0]);
  });

  it("logs a failing closer, still closes the rest, and exits 1", async () => {
    const { shutdown, lines, exits } = setup();
    const order: string[] = [];
    shutdown.add("redis", () => void order.push("redis"));
    shutdown.add("broken", () => Promise.reject(new Error("boom")));
    shutdown.add("http", () => void order.push("http"));
    expect(await shutdown.run("SIGTERM")).toBe(1);
    expect(order).toEqual(["http", "redis"]);
    expect(lines.find((l) => l["msg"] === "close failed")).toMatchObject({
      closer: "broken",
      err: { message: "boom" },
    });
    expect(exits).toEqual([1]);
  });

  it("gives up at the deadline with code 1, naming the closer it waited on", async () => {
    const { shutdown, lines, exits } = setup(30);
    shutdown.add("pool", () => undefined);
    shutdown.add("consumer", () => new Promise(() => {}));
    expect(await shutdown.run("SIGTERM")).toBe(1);
    expect(lines.find((l) => l["msg"] === "shutdown deadline passed")).toMatchObject({
      waiting_on: "consumer",
      deadline_ms: 30,
    });
    expect(exits).toEqual([1]);
  });

  it("runs once however often it is asked", async () => {
    const { shutdown, exits } = setup();
    let closed = 0;
    shutdown.add("x", () => void (closed += 1));
    const first = shutdown.run("stdin end");
    const second = shutdown.run("SIGTERM");
    expect(second).toBe(first);
    expect(await first).toBe(0);
    expect(await shutdown.run("again")).toBe(0);
    expect(closed).toBe(1);
    expect(exits).toEqual([0]);
  });

  it("closes a resource tracked after shutdown began", async () => {
    const { shutdown } = setup();
    await shutdown.run("early");
    let closed = false;
    shutdown.track("late", { close: () => void (closed = true) });
    expect(closed).toBe(true);
  });

  it("starts on the first signal and exits 1 on the second", async () => {
    const { shutdown, exits } = setup();
    const gate: { release?: () => void } = {};
    shutdown.add("slow", () => new Promise<void>((resolve) => (gate.release = resolve)));
    const off = shutdown.onSignals(["SIGUSR2"]);
    expect(shutdown.onSignals(["SIGUSR2"])).toBe(off); // wired once
    try {
      process.emit("SIGUSR2", "SIGUSR2");
      process.emit("SIGUSR2", "SIGUSR2");
      expect(exits).toEqual([1]);
      gate.release?.();
      expect(await shutdown.run("ignored")).toBe(0);
      expect(exits).toEqual([1, 0]);
    } finally {
      off();
    }
    expect(process.listenerCount("SIGUSR2")).toBe(0);
  });
});

describe("a real process (test/fixtures/signal-app.mjs)", () => {
  const script = fileURLToPath(new URL("./fixtures/signal-app.mjs", import.meta.url));

  async function launch(mode: string) {
    const child = spawn(process.execPath, [script, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const [chunk] = (await once(child.stdout, "data")) as [Buffer];
    const port = Number(chunk.toString().trim());
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const exited = once(child, "exit") as Promise<[number | null, string | null]>;
    return {
      child,
      exited,
      logs: () =>
        stderr
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  it("SIGTERM closes everything (last added first) and exits 0", async () => {
    const app = await launch("exit");
    app.child.kill("SIGTERM");
    expect(await app.exited).toEqual([0, null]);
    const msgs = app.logs().map((l) => l["msg"]);
    expect(msgs.indexOf("closing the last-added first")).toBeLessThan(msgs.lastIndexOf("closed"));
    expect(app.logs().at(-1)).toMatchObject({ msg: "shutdown finished", code: 0 });
  });

  it("ends on its own after shutdown: no handle left open by logger, metrics or ops server", async () => {
    const app = await launch("natural");
    app.child.kill("SIGTERM");
    expect(await app.exited).toEqual([0, null]);
  });

  it("a second SIGTERM while a closer hangs exits 1 at once", async () => {
    const app = await launch("stuck");
    app.child.kill("SIGTERM");
    await vi.waitFor(() => expect(app.logs().some((l) => l["msg"] === "shutting down")).toBe(true));
    app.child.kill("SIGTERM");
    expect(await app.exited).toEqual([1, null]);
    expect(app.logs().some((l) => l["msg"] === "second signal, exiting now")).toBe(true);
  });
});
