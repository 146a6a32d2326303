import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startMockMeta } from "../src/index.js";
import { SECRET, call, send, startTarget, template } from "./helpers.js";

const handles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "TCPServerWrap").length;

describe("lifecycle", () => {
  it("close() stops the server and leaves no timers behind, even with webhooks pending", async () => {
    const target = await startTarget();
    const before = handles();
    const mock = await startMockMeta({
      port: 0,
      appSecret: SECRET,
      webhookTargetUrl: target.url,
      webhookDelayMs: 5000,
    });
    await call(mock.url, "POST", `/v25.0/${"200000000000001"}/message_templates`, {
      name: "pending_review",
      category: "UTILITY",
      language: "en",
      components: [{ type: "BODY", text: "x" }],
    });
    expect((await send(mock.url, template("15551239876"))).status).toBe(200);
    await mock.close();
    await expect(fetch(`${mock.url}/_mock/health`)).rejects.toThrow();
    expect(handles()).toBeLessThanOrEqual(before);
    expect(target.received).toHaveLength(0);
    await target.close();
  });

  it("node dist/main.js starts from env, answers, and exits 0 on SIGTERM", async () => {
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        META_ACCESS_TOKEN: "t0ken",
        WEBHOOK_TARGET_URL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 10_000;
    while (!out.includes("mock-meta listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const url = /"url":"([^"]+)"/.exec(out)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call(url ?? "", "GET", "/v25.0/100000000000001", undefined, "t0ken")).json.id).toBe(
      "100000000000001",
    );
    expect(out).not.toContain("t0ken");
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
