import { describe, expect, it } from "vitest";
import { isSecretKey, loadConfig, mcpGatewayEnv, redactConfig, redactUrl, webhookReceiverEnv } from "../src/index.js";

describe("redactConfig", () => {
  it("hides tokens, the app secret and URL passwords, keeps the rest", () => {
    const gateway = loadConfig(mcpGatewayEnv, {
      META_ACCESS_TOKEN: "EAAG-live-token",
      META_PHONE_NUMBER_ID: "1",
      META_WABA_ID: "2",
      DATABASE_URL: "postgres://app:s3cr%40t@db.internal:5432/wa",
      REDIS_URL: "rediss://:redispw@cache:6380",
    });
    const safe = redactConfig(gateway);
    expect(safe["META_ACCESS_TOKEN"]).toBe("[redacted]");
    expect(safe["DATABASE_URL"]).toBe("postgres://[redacted]@db.internal:5432/wa");
    expect(safe["REDIS_URL"]).toBe("rediss://[redacted]@cache:6380");
    expect(safe["META_WABA_ID"]).toBe("2");
    expect(JSON.stringify(safe)).not.toMatch(/EAAG-live-token|s3cr|redispw/);

    const receiver = redactConfig(
      loadConfig(webhookReceiverEnv, { META_APP_SECRET: "appsecret", WEBHOOK_VERIFY_TOKEN: "vt" }),
    );
    expect(receiver["META_APP_SECRET"]).toBe("[redacted]");
    expect(receiver["WEBHOOK_VERIFY_TOKEN"]).toBe("[redacted]");
  });

  it("hides a token in the user part of a URL, wherever the URL sits in the text (issue 22 item 5)", () => {
    expect(redactUrl("https://ghp_l1veT0ken@git.example.com/x.git")).toBe("https://[redacted]@git.example.com/x.git");
    expect(redactUrl("postgres://postgres@127.0.0.1:5432/db")).toBe("postgres://[redacted]@127.0.0.1:5432/db");
    expect(redactUrl("connect to nats://tok3n@nats:4222 failed; redis://u:p@r:6379 too")).toBe(
      "connect to nats://[redacted]@nats:4222 failed; redis://[redacted]@r:6379 too",
    );
    expect(JSON.stringify(redactConfig({ NATS_URL: "nats://s3cretTok@nats:4222" }))).not.toContain("s3cretTok");
  });

  it("leaves URLs without user-info and secret-looking names alone where they hold nothing", () => {
    expect(redactUrl("postgres://127.0.0.1:5432/db")).toBe("postgres://127.0.0.1:5432/db");
    expect(redactUrl("https://graph.facebook.com/v25.0?x=a:b@c")).toBe("https://graph.facebook.com/v25.0?x=a:b@c");
    expect(redactConfig({ SOME_TOKEN: undefined })).toEqual({ SOME_TOKEN: undefined });
    expect(isSecretKey("DB_PASSWORD")).toBe(true);
    expect(isSecretKey("REDIS_KEY_PREFIX")).toBe(false);
  });
});
