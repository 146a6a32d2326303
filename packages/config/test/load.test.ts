import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConfigError,
  deliveryWorkerEnv,
  loadConfig,
  mcpGatewayEnv,
  metaEnv,
  pgEnv,
  webhookReceiverEnv,
} from "../src/index.js";

const META = { META_ACCESS_TOKEN: "EAAG-secret-token", META_PHONE_NUMBER_ID: "1234567890", META_WABA_ID: "987654321" };

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("names each missing required variable with what it is", () => {
    expect(problemsOf(() => loadConfig(metaEnv, {}))).toEqual([
      "META_ACCESS_TOKEN: required (the Meta system-user access token)",
      "META_PHONE_NUMBER_ID: required (the WhatsApp business phone number id)",
      "META_WABA_ID: required (the WhatsApp Business Account id)",
    ]);
    expect(problemsOf(() => loadConfig(webhookReceiverEnv, { WEBHOOK_VERIFY_TOKEN: "v" }))).toEqual([
      "META_APP_SECRET: required (the Meta app secret that signs webhooks)",
    ]);
  });

  it("reports every bad value at once, one line per variable, quoting what it got", () => {
    const problems = problemsOf(() =>
      loadConfig(webhookReceiverEnv, {
        META_APP_SECRET: "s",
        WEBHOOK_VERIFY_TOKEN: "v",
        PORT: "abc",
        BODY_LIMIT_BYTES: "1.5",
        LOG_LEVEL: "loud",
        DATABASE_URL: "mysql://root:hunter2@db/x",
      }),
    );
    expect(problems).toEqual([
      'LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"',
      'DATABASE_URL: expected a URL starting with postgres:// or postgresql://, got "mysql://[redacted]@db/x"',
      'PORT: expected an integer from 0 to 65535, got "abc"',
      'BODY_LIMIT_BYTES: expected an integer from 1024 to 104857600, got "1.5"',
    ]);
  });

  it("treats empty strings as unset", () => {
    const cfg = loadConfig(pgEnv, { DATABASE_URL: "", DB_POOL_MAX: "" });
    expect(cfg).toEqual({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wa_gateway", DB_POOL_MAX: 10 });
    expect(problemsOf(() => loadConfig(metaEnv, { ...META, META_ACCESS_TOKEN: "" }))).toEqual([
      "META_ACCESS_TOKEN: required (the Meta system-user access token)",
    ]);
  });

  it("never echoes a secret's value", () => {
    const schema = z.object({ PARTNER_API_TOKEN: z.string().min(20, { error: "too short" }) });
    expect(problemsOf(() => loadConfig(schema, { PARTNER_API_TOKEN: "hunter2" }))).toEqual([
      "PARTNER_API_TOKEN: too short",
    ]);
    const tz = problemsOf(() => loadConfig(deliveryWorkerEnv, { ...META, DEFAULT_TIMEZONE: "Mars/Olympus" }));
    expect(tz).toEqual(['DEFAULT_TIMEZONE: expected an IANA time zone such as Asia/Jakarta, got "Mars/Olympus"']);
  });

  it("returns a deeply frozen object and ignores unrelated variables", () => {
    const cfg = loadConfig(mcpGatewayEnv, { ...META, DISABLED_TOOLS: "a,b", PATH: "/bin", PORT: "abc" });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.DISABLED_TOOLS)).toBe(true);
    expect("PATH" in cfg).toBe(false);
    expect(() => {
      (cfg as { READ_ONLY: boolean }).READ_ONLY = true;
    }).toThrow(TypeError);
  });

  it("is a ConfigError with a code and a message that lists the problems", () => {
    const err = (() => {
      try {
        loadConfig(metaEnv, { ...META, META_TIMEOUT_MS: "soon" });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe("INVALID_CONFIG");
    expect((err as ConfigError).message).toContain("META_TIMEOUT_MS");
  });
});
