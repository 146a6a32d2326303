import { z } from "zod";
import { COMPLIANCE_DEFAULTS, DAY_MS } from "./defaults.js";
import { choice, flag, int, isTimeZone, port, required, text, url } from "./fields.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

const DIGITS = { regex: /^\d+$/, expected: "expected digits only" };
// NATS names may not contain spaces, dots, wildcards or slashes.
const NATS_NAME = { regex: /^[A-Za-z0-9_-]+$/, expected: "expected letters, digits, - or _ only" };
const SUBJECT_PREFIX = { regex: /^([A-Za-z0-9_-]+\.)*$/, expected: 'expected dot-terminated tokens such as "dev."' };

export const baseEnv = z.object({
  LOG_LEVEL: choice(LOG_LEVELS, "info", "pino log level"),
  NODE_ENV: z.string().optional().describe("informational only; no behaviour depends on it"),
  SHUTDOWN_DEADLINE_MS: int("time allowed for a graceful shutdown before exiting with code 1", 10_000, {
    min: 1,
    max: 600_000,
  }),
});

export const pgEnv = z.object({
  DATABASE_URL: url(
    "the Postgres connection URL",
    ["postgres", "postgresql"],
    "postgres://postgres@127.0.0.1:5432/wa_gateway",
  ),
  DB_POOL_MAX: int("maximum connections in this process's pg pool", 10, { min: 1, max: 1000 }),
});

export const redisEnv = z.object({
  REDIS_URL: url("the Redis connection URL", ["redis", "rediss"], "redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: text("prefix for every Redis key (isolates tests and tenants)", ""),
});

export const natsEnv = z.object({
  NATS_URL: text("NATS server URL(s), comma-separated", "nats://127.0.0.1:4222", {
    regex: /^\s*((nats|tls|ws|wss):\/\/)?[^\s,]+(\s*,\s*((nats|tls|ws|wss):\/\/)?[^\s,]+)*\s*$/,
    expected: "expected nats://host:port (comma-separated for several servers)",
  }),
  NATS_SUBJECT_PREFIX: text('prefix for every subject, e.g. "test1."', "", SUBJECT_PREFIX),
  DELIVERY_STREAM: text("JetStream stream for outbound messages", "META_MCP_DELIVERY", NATS_NAME),
  DELIVERY_CONSUMER: text("durable consumer of DELIVERY_STREAM", "delivery-workers", NATS_NAME),
  CAMPAIGN_STREAM: text("JetStream stream for campaign triggers", "META_MCP_CAMPAIGN", NATS_NAME),
  CAMPAIGN_CONSUMER: text("durable consumer of CAMPAIGN_STREAM", "campaign-workers", NATS_NAME),
  WEBHOOK_STREAM: text("JetStream stream for received webhook events", "META_MCP_WEBHOOKS", NATS_NAME),
  WEBHOOK_CONSUMER: text("durable consumer of WEBHOOK_STREAM", "webhook-processors", NATS_NAME),
});

const accountsFile = text(
  "businesses, WABAs and numbers (YAML), upserted at start; missing = the one number of the META_* variables",
  "accounts.yaml",
);

export const metaEnv = z.object({
  META_API_BASE_URL: url(
    "Graph API base URL (mock-meta in dev: http://127.0.0.1:8081)",
    ["https", "http"],
    "https://graph.facebook.com",
  ),
  META_API_VERSION: text("Graph API version", "v25.0", {
    regex: /^v\d+\.0$/,
    expected: 'expected a version such as "v25.0"',
  }),
  META_ACCESS_TOKEN: required("the Meta system-user access token"),
  META_PHONE_NUMBER_ID: required("the WhatsApp business phone number id", DIGITS),
  META_WABA_ID: required("the WhatsApp Business Account id", DIGITS),
  META_TIMEOUT_MS: int("timeout of one Graph API call", 10_000, { min: 1, max: 600_000 }),
  ACCOUNTS_FILE: accountsFile,
});

export const metaWebhookEnv = z.object({
  META_APP_SECRET: required("the Meta app secret that signs webhooks"),
  ACCOUNTS_FILE: accountsFile,
  WEBHOOK_VERIFY_TOKEN: required("the token Meta echoes when verifying the webhook URL"),
});

export const complianceEnv = z.object({
  CONSENT_MODE: choice(
    ["explicit", "implicit"],
    COMPLIANCE_DEFAULTS.consentMode,
    "explicit: marketing needs granted consent; implicit: unknown counts as granted",
  ),
  POLICIES_FILE: text("business policies YAML, upserted at start", "policies.yaml"),
  DEFAULT_TIMEZONE: z
    .string()
    .refine(isTimeZone, { error: "expected an IANA time zone such as Asia/Jakarta" })
    .default(COMPLIANCE_DEFAULTS.timezone)
    .describe("IANA zone for quiet hours when the recipient's zone cannot be derived"),
  MARKETING_DAILY_CAP: int(
    "marketing messages per customer per rolling 24 h unless a policy overrides",
    COMPLIANCE_DEFAULTS.marketingDailyCap,
    { min: 0, max: 1000 },
  ),
  META_US_MARKETING_PAUSE: flag(
    "refuse marketing to US (+1, US area code) numbers before queueing, as Meta delivers none since 2025-04-01; false once Meta lifts it",
    COMPLIANCE_DEFAULTS.usMarketingPause,
  ),
  THROUGHPUT_MPS: int("messages per second per business phone number", 80, { min: 1, max: 10_000 }),
  PAIR_LIMIT_SECS: int("minimum seconds between messages to one recipient (0 = off)", 6, {
    min: 0,
    max: DAY_MS / 1000,
  }),
});

export function httpEnv(defaultPort: number) {
  return z.object({
    PORT: port("HTTP listen port (0 = any free port)", defaultPort),
    HOST: text("HTTP listen address", "0.0.0.0"),
  });
}

/** Ops HTTP (/health, /ready, /metrics); OPS_PORT 0 means the app starts no ops server. */
export function opsEnv(defaultPort: number) {
  return z.object({
    OPS_PORT: port("ops HTTP port for /health, /ready, /metrics (0 = off)", defaultPort),
    OPS_HOST: text("ops HTTP listen address", "0.0.0.0"),
  });
}
