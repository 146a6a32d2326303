import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  baseEnv,
  campaignWorkerEnv,
  complianceEnv,
  consoleAdminEnv,
  consoleEnv,
  deliveryWorkerEnv,
  doctorEnv,
  loadConfig,
  mcpGatewayEnv,
  mockMetaEnv,
  natsEnv,
  parseForceErrors,
  schedulerEnv,
  webhookProcessorEnv,
  webhookReceiverEnv,
} from "../src/index.js";

const META = { META_ACCESS_TOKEN: "EAAG-token", META_PHONE_NUMBER_ID: "1234567890", META_WABA_ID: "987654321" };
const WEBHOOK = { META_APP_SECRET: "app-secret", WEBHOOK_VERIFY_TOKEN: "verify" };

const APPS = {
  mcpGatewayEnv: { schema: mcpGatewayEnv, required: META, opsPort: 0 },
  webhookReceiverEnv: { schema: webhookReceiverEnv, required: WEBHOOK, opsPort: 0 },
  webhookProcessorEnv: { schema: webhookProcessorEnv, required: {}, opsPort: 9468 },
  deliveryWorkerEnv: { schema: deliveryWorkerEnv, required: META, opsPort: 9465 },
  campaignWorkerEnv: { schema: campaignWorkerEnv, required: META, opsPort: 9466 },
  schedulerEnv: { schema: schedulerEnv, required: {}, opsPort: 9467 },
  mockMetaEnv: { schema: mockMetaEnv, required: {}, opsPort: undefined },
  consoleEnv: { schema: consoleEnv, required: META, opsPort: 0 },
  consoleAdminEnv: { schema: consoleAdminEnv, required: {}, opsPort: undefined },
  doctorEnv: { schema: doctorEnv, required: META, opsPort: undefined },
} as const;

describe("app schemas", () => {
  for (const [name, app] of Object.entries(APPS)) {
    it(`${name} parses from only its required variables`, () => {
      const cfg = loadConfig(app.schema, app.required) as Record<string, unknown>;
      expect(cfg["LOG_LEVEL"]).toBe("info");
      expect(cfg["SHUTDOWN_DEADLINE_MS"]).toBe(10_000);
      expect(cfg["OPS_PORT"]).toBe(app.opsPort);
    });
  }

  it("fills every documented default", () => {
    const cfg = loadConfig(campaignWorkerEnv, META);
    expect(cfg).toMatchObject({
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wa_gateway",
      DB_POOL_MAX: 10,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: "",
      NATS_URL: "nats://127.0.0.1:4222",
      NATS_SUBJECT_PREFIX: "",
      DELIVERY_STREAM: "META_MCP_DELIVERY",
      DELIVERY_CONSUMER: "delivery-workers",
      CAMPAIGN_STREAM: "META_MCP_CAMPAIGN",
      CAMPAIGN_CONSUMER: "campaign-workers",
      WEBHOOK_STREAM: "META_MCP_WEBHOOKS",
      WEBHOOK_CONSUMER: "webhook-processors",
      META_API_BASE_URL: "https://graph.facebook.com",
      META_API_VERSION: "v25.0",
      META_TIMEOUT_MS: 10_000,
      CONSENT_MODE: "explicit",
      POLICIES_FILE: "policies.yaml",
      DEFAULT_TIMEZONE: "UTC",
      MARKETING_DAILY_CAP: 2,
      THROUGHPUT_MPS: 80,
      PAIR_LIMIT_SECS: 6,
      CAMPAIGN_PAGE_SIZE: 500,
      QUIET_HOURS_MODE: "hold",
    });
    expect(cfg.MESSAGING_LIMIT_TIER).toBeUndefined();
    expect(cfg.NODE_ENV).toBeUndefined();
    const receiver = loadConfig(webhookReceiverEnv, WEBHOOK);
    expect(receiver.PORT).toBe(8080);
    expect(receiver.HOST).toBe("0.0.0.0");
    expect(receiver.BODY_LIMIT_BYTES).toBe(3 * 1024 * 1024);
    const processor = loadConfig(webhookProcessorEnv, {});
    expect(processor.OPT_OUT_KEYWORDS).toContain("STOP ALL");
    expect(processor.OPT_IN_KEYWORDS).toEqual(["START", "SUBSCRIBE", "UNSTOP", "MULAI"]);
    expect(processor).not.toHaveProperty("META_APP_SECRET"); // the processor never sees Meta's secrets
    expect(loadConfig(schedulerEnv, {})).toMatchObject({ SCHEDULER_TICK_MS: 250, STUCK_QUEUED_SECS: 10 });
    expect(loadConfig(deliveryWorkerEnv, META).DELIVERY_CONCURRENCY).toBe(16);
  });

  it("coerces numbers, flags and lists", () => {
    const cfg = loadConfig(mcpGatewayEnv, {
      ...META,
      DB_POOL_MAX: " 25 ",
      READ_ONLY: "YES",
      DISABLED_TOOLS: " send_message, ,create_campaign,send_message ",
      LOG_LEVEL: "debug",
    });
    expect(cfg.DB_POOL_MAX).toBe(25);
    expect(cfg.READ_ONLY).toBe(true);
    expect(cfg.DISABLED_TOOLS).toEqual(["send_message", "create_campaign"]);
    expect(loadConfig(mcpGatewayEnv, { ...META, READ_ONLY: "0" }).READ_ONLY).toBe(false);
    expect(loadConfig(mcpGatewayEnv, META).DISABLED_TOOLS).toEqual([]);
    const processor = loadConfig(webhookProcessorEnv, { OPT_OUT_KEYWORDS: "stop, Arrêt ,baja" });
    expect(processor.OPT_OUT_KEYWORDS).toEqual(["STOP", "ARRÊT", "BAJA"]);
  });

  it("rejects opt-in keywords that are also opt-out keywords", () => {
    expect(() => loadConfig(webhookProcessorEnv, { OPT_IN_KEYWORDS: "START,stop" })).toThrow(
      "OPT_IN_KEYWORDS: also listed in OPT_OUT_KEYWORDS: STOP",
    );
  });

  it("validates names, prefixes, versions and tiers", () => {
    const bad = (schema: z.ZodType, env: Record<string, string>) => () => loadConfig(schema, { ...META, ...env });
    expect(bad(natsEnv, { NATS_SUBJECT_PREFIX: "test1" })).toThrow(
      "NATS_SUBJECT_PREFIX: expected dot-terminated tokens",
    );
    expect(loadConfig(natsEnv, { NATS_SUBJECT_PREFIX: "run-42.a." }).NATS_SUBJECT_PREFIX).toBe("run-42.a.");
    expect(bad(natsEnv, { DELIVERY_STREAM: "A.B" })).toThrow("DELIVERY_STREAM: expected letters, digits, - or _ only");
    expect(loadConfig(natsEnv, { NATS_URL: "nats://a:4222, nats://b:4222" }).NATS_URL).toBe(
      "nats://a:4222, nats://b:4222",
    );
    expect(bad(deliveryWorkerEnv, { META_API_VERSION: "v25.1" })).toThrow("META_API_VERSION");
    expect(bad(campaignWorkerEnv, { MESSAGING_LIMIT_TIER: "250" })).toThrow("MESSAGING_LIMIT_TIER");
    expect(loadConfig(campaignWorkerEnv, { ...META, MESSAGING_LIMIT_TIER: "TIER_2K" }).MESSAGING_LIMIT_TIER).toBe(
      "TIER_2K",
    );
    expect(bad(complianceEnv, { CONSENT_MODE: "opt-out" })).toThrow("CONSENT_MODE: expected one of explicit, implicit");
    expect(loadConfig(complianceEnv, { DEFAULT_TIMEZONE: "Asia/Jakarta" }).DEFAULT_TIMEZONE).toBe("Asia/Jakarta");
    expect(bad(baseEnv, { SHUTDOWN_DEADLINE_MS: "0" })).toThrow("SHUTDOWN_DEADLINE_MS");
  });

  it("parses the mock's knobs", () => {
    const cfg = loadConfig(mockMetaEnv, {
      MOCK_META_FORCE_ERRORS: "15550001=131026, 15550002 = 131047",
      MOCK_META_FAILURE_RATE: "0.25",
      WEBHOOK_TARGET_URL: "http://127.0.0.1:8080/webhook",
    });
    expect(cfg.MOCK_META_FORCE_ERRORS).toEqual({ "15550001": 131026, "15550002": 131047 });
    expect(cfg.MOCK_META_FAILURE_RATE).toBe(0.25);
    expect(cfg.META_ACCESS_TOKEN).toBe("mock-token");
    expect(loadConfig(mockMetaEnv, {}).MOCK_META_FORCE_ERRORS).toEqual({});
    expect(() => loadConfig(mockMetaEnv, { MOCK_META_FAILURE_RATE: "2" })).toThrow("expected a number from 0 to 1");
    expect(() => loadConfig(mockMetaEnv, { WEBHOOK_TARGET_URL: "localhost:8080" })).toThrow("WEBHOOK_TARGET_URL");
    expect(parseForceErrors("1=2,x")).toBe('expected "<recipient digits>=<error code>,…", bad entry "x"');
  });

  it("has a README row for every variable of every app", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const documented = new Set([...readme.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    const keys = new Set(Object.values(APPS).flatMap(({ schema }) => Object.keys(schema.shape)));
    expect([...keys].filter((k) => !documented.has(k))).toEqual([]);
    expect([...documented].filter((k) => k !== undefined && !keys.has(k))).toEqual([]);
  });
});
