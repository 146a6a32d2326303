import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WaError } from "@wa/contract";
import { createLogger } from "../src/index.js";

function capture() {
  const lines: string[] = [];
  const stream = { write: (chunk: string) => void lines.push(chunk) };
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, records };
}

describe("createLogger", () => {
  it("redacts tokens, the app secret, auth headers and signatures", () => {
    const out = capture();
    const log = createLogger({ service: "webhook-receiver", level: "info", destination: out.stream });
    log.info(
      {
        access_token: "EAAG-top",
        token: "tok-top",
        password: "pw-top",
        config: { META_ACCESS_TOKEN: "EAAG-cfg", META_APP_SECRET: "appsecret-cfg", WEBHOOK_VERIFY_TOKEN: "vt-cfg" },
        meta: { accessToken: "EAAG-camel", app_secret: "appsecret-snake", authorization: "Bearer EAAG-auth" },
        req: {
          method: "POST",
          headers: { authorization: "Bearer EAAG-req", "x-hub-signature-256": "sha256=deadbeef" },
        },
        headers: { "x-hub-signature-256": "sha256=cafebabe", cookie: "sid=1" },
        message_id: "m-1",
      },
      "webhook received",
    );
    const text = out.lines.join("");
    expect(text).not.toMatch(/EAAG|tok-top|pw-top|appsecret|vt-cfg|deadbeef|cafebabe|sid=1/);
    const [rec] = out.records();
    expect(rec).toMatchObject({
      level: "info",
      service: "webhook-receiver",
      msg: "webhook received",
      message_id: "m-1",
      access_token: "[redacted]",
      config: { META_ACCESS_TOKEN: "[redacted]" },
      req: { method: "POST", headers: { authorization: "[redacted]" } },
    });
  });

  it("keeps the level threshold and serializes WaError with code and cause", () => {
    const out = capture();
    const log = createLogger({ service: "delivery-worker", level: "info", destination: out.stream });
    log.debug("hidden");
    const err = new WaError("UNAVAILABLE", "postgres is down", { cause: new Error("connect ECONNREFUSED") });
    log.child({ component: "claim" }).error({ err }, "claim failed");
    const records = out.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: "error",
      component: "claim",
      err: {
        type: "WaError",
        code: "UNAVAILABLE",
        message: "postgres is down",
        cause: { message: "connect ECONNREFUSED" },
      },
    });
  });

  it("writes nothing to stdout when given fd 2, and flushes before process.exit", () => {
    const script = fileURLToPath(new URL("./fixtures/stderr-logger.mjs", import.meta.url));
    const res = spawnSync(process.execPath, [script], { encoding: "utf8" });
    expect(res.status).toBe(0);
    expect(res.stdout).toBe("");
    const records = res.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r["msg"])).toEqual(["started", "last words"]);
    expect(records[0]).toMatchObject({ service: "mcp-gateway", META_ACCESS_TOKEN: "[redacted]" });

    const byDefault = spawnSync(process.execPath, [script, "default"], { encoding: "utf8" });
    expect(byDefault.stderr).toBe("");
    expect(byDefault.stdout.trim().split("\n")).toHaveLength(2);
  });
});
