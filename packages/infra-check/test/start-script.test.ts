// `npm start` as a user sees it (issue 14 items 12 and 13): the printed MCP client config hides real secrets,
// and Ctrl-C (SIGINT to the terminal's whole foreground process group) ends every app with exit 0.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { busNames, dropStreams, redisPrefix, TEST_NATS_URL, TEST_REDIS_URL, useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRepoRoot } from "../src/index.js";

const root = findRepoRoot();
const lib = (file: string) => pathToFileURL(join(root, "scripts/lib", file)).href;

interface ClientConfig {
  clientConfigText(main: string, env: Record<string, string>, root: string): { json: string; note: string[] };
}

describe("the MCP client config printed by npm start", () => {
  it("shows the local dev defaults as they are, with no note", async () => {
    const { clientConfigText } = (await import(lib("client-config.mjs"))) as ClientConfig;
    const { DEV_ENV } = (await import(lib("env.mjs"))) as { DEV_ENV: Record<string, string> };
    const { json, note } = clientConfigText("/x/main.js", DEV_ENV, root);
    const env = (JSON.parse(json) as { mcpServers: Record<string, { env: Record<string, string> }> }).mcpServers[
      "whatsapp-gateway"
    ]!.env;
    expect(env["META_ACCESS_TOKEN"]).toBe(DEV_ENV["META_ACCESS_TOKEN"]);
    expect(env["DATABASE_URL"]).toBe(DEV_ENV["DATABASE_URL"]);
    expect(note).toEqual([]);
  });

  it("replaces a real token and URL passwords/tokens by placeholders and says where the real ones go", async () => {
    const { clientConfigText } = (await import(lib("client-config.mjs"))) as ClientConfig;
    const real = {
      DATABASE_URL: "postgres://app:Sup3rS3cret@db.internal:5432/wa",
      REDIS_URL: "redis://:r3dispw@cache:6379",
      NATS_URL: "nats://n4tsT0ken@nats:4222",
      META_API_BASE_URL: "https://graph.facebook.com",
      META_ACCESS_TOKEN: "EAAGliveTOKEN123",
      META_PHONE_NUMBER_ID: "1",
      META_WABA_ID: "2",
    };
    const { json, note } = clientConfigText("/x/main.js", real, root);
    for (const secret of ["Sup3rS3cret", "r3dispw", "n4tsT0ken", "EAAGliveTOKEN123"])
      expect(json).not.toContain(secret);
    const env = (JSON.parse(json) as { mcpServers: Record<string, { env: Record<string, string> }> }).mcpServers[
      "whatsapp-gateway"
    ]!.env;
    expect(env["META_ACCESS_TOKEN"]).toBe("<your META_ACCESS_TOKEN>");
    expect(env["DATABASE_URL"]).toBe("postgres://app:<password>@db.internal:5432/wa");
    expect(env["REDIS_URL"]).toBe("redis://:<password>@cache:6379");
    expect(env["NATS_URL"]).toBe("nats://<token>@nats:4222");
    expect(env["META_API_BASE_URL"]).toBe("https://graph.facebook.com");
    expect(note.join(" ")).toMatch(/DATABASE_URL, REDIS_URL, NATS_URL, META_ACCESS_TOKEN.*placeholders/);
    expect(note.join(" ")).toMatch(/claude_desktop_config\.json/);
  });
});

describe("Ctrl-C on the apps npm start runs", () => {
  const db = useTestDatabase();
  const names = busNames();
  let bus: Bus;
  let runner: ChildProcess | undefined;
  beforeAll(async () => {
    bus = await connectBus({ url: TEST_NATS_URL, name: "start-script-test" });
    await ensureTopology(bus.jsm, names);
  });
  afterAll(async () => {
    if (runner?.pid && runner.exitCode === null) process.kill(-runner.pid, "SIGKILL");
    await dropStreams(bus.jsm, names);
    await bus.close();
  });

  it("SIGINT to the whole process group ends every app with exit 0 and the supervisor with 0", async () => {
    const env = {
      PATH: process.env["PATH"] ?? "",
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix(),
      NATS_URL: TEST_NATS_URL,
      ...names,
      META_APP_SECRET: "s",
      WEBHOOK_VERIFY_TOKEN: "v",
      PORT: "0",
      OPS_PORT: "0",
      LOG_LEVEL: "info",
    };
    const apps = [
      { name: "webhook-receiver", main: join(root, "apps/webhook-receiver/dist/main.js") },
      { name: "scheduler", main: join(root, "apps/scheduler/dist/main.js") },
    ];
    // What scripts/start.mjs does after its set-up, with these two apps.
    const script = `
      import { startApps, stopOnSignals } from ${JSON.stringify(lib("supervise.mjs"))};
      const say = (m) => process.stderr.write(m + "\\n");
      stopOnSignals(startApps(${JSON.stringify(apps)}, { env: process.env, warn: say }), { log: say });
    `;
    // detached: the runner leads its own group, as a shell makes `npm start` lead the terminal's foreground group.
    runner = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    runner.stdout?.on("data", (b: Buffer) => void (out += b.toString()));
    runner.stderr?.on("data", (b: Buffer) => void (out += b.toString()));
    const exited = new Promise<number | null>((r) => runner!.once("exit", (code) => r(code)));
    const until = Date.now() + 25_000;
    while ((out.match(/"msg":"ready"/g) ?? []).length < apps.length) {
      if (Date.now() > until || runner.exitCode !== null) throw new Error(`apps did not get ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(-runner.pid!, "SIGINT"); // the terminal's Ctrl-C
    expect(await exited, out).toBe(0);
    expect(out).toContain("webhook-receiver exited (0)");
    expect(out).toContain("scheduler exited (0)");
    expect(out).not.toContain("second signal");
  });
});
