import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { DAY_MS } from "./defaults.js";
import { choice, flag, int, list, port, text } from "./fields.js";
import {
  baseEnv,
  complianceEnv,
  httpEnv,
  metaEnv,
  metaWebhookEnv,
  natsEnv,
  opsEnv,
  pgEnv,
  redisEnv,
} from "./fragments.js";

export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = Object.freeze([
  "STOP",
  "STOP ALL",
  "STOP PROMOTIONS", // the label of Meta's marketing opt-out quick-reply button
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "BERHENTI",
  "PARAR",
  "ARRET",
]);
export const DEFAULT_OPT_IN_KEYWORDS: readonly string[] = Object.freeze(["START", "SUBSCRIBE", "UNSTOP", "MULAI"]);

const sendingEnv = {
  ...baseEnv.shape,
  ...pgEnv.shape,
  ...redisEnv.shape,
  ...natsEnv.shape,
  ...metaEnv.shape,
  ...complianceEnv.shape,
};

export const mcpGatewayEnv = z.object({
  ...sendingEnv,
  ...opsEnv(0).shape,
  // One stdio gateway per agent: every agent's pool counts against Postgres max_connections.
  DB_POOL_MAX: int("maximum connections in this process's pg pool", 3, { min: 1, max: 1000 }),
  DISABLED_TOOLS: list("tool names hidden from agents", []),
  READ_ONLY: flag("expose only read-only tools", false),
  MEDIA_DIR: text(
    "folder get_media saves downloads into and upload_media may read files from (stdio only; paths outside it are refused)",
    join(tmpdir(), "wa-gateway-media"),
  ),
  // The stdio transport drops a message above 10 MiB, and base64 adds a third.
  MEDIA_INLINE_MAX_BYTES: int(
    "largest media get_media returns inline as base64; larger ones are saved to MEDIA_DIR",
    1024 * 1024,
    {
      min: 0,
      max: 6 * 1024 * 1024,
    },
  ),
  APPROVAL_TTL_HOURS: int("how long a request waiting for an operator's approval stays open before it expires", 24, {
    min: 1,
    max: 720,
  }),
  RATE_CARD_FILE: z
    .string()
    .optional()
    .describe("rate card for estimate_cost / estimate_pricing (JSON, or YAML for .yaml/.yml); unset: the bundled one"),
  AGENT_NAME: text("the stdio agent's name in audit entries and metrics (agent:<name>); empty = agent", "", {
    regex: /^$|^[a-z0-9][a-z0-9._-]{1,39}$/,
    expected: "expected 2-40 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
  }),
  MCP_HTTP_PORT: port("Streamable HTTP MCP endpoint /mcp, besides stdio (0 = off)", 0),
  MCP_HTTP_HOST: text("listen address of the HTTP MCP endpoint", "127.0.0.1"),
  MCP_ALLOWED_ORIGINS: list("browser Origins allowed on /mcp (requests without Origin are allowed)", []),
  MCP_MAX_BODY_BYTES: int("largest accepted /mcp request body", 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
  MCP_RATE_LIMIT_PER_SEC: int("requests per second per agent key on /mcp (bucket of one second)", 50, {
    min: 1,
    max: 100_000,
  }),
  MCP_KEY_CACHE_MS: int("how long a key lookup is cached in memory; a revoke takes effect within it", 5000, {
    min: 0,
    max: 300_000,
  }),
});

export const webhookReceiverEnv = z.object({
  ...baseEnv.shape,
  ...pgEnv.shape,
  ...redisEnv.shape,
  ...natsEnv.shape,
  ...metaWebhookEnv.shape,
  ...httpEnv(8080).shape,
  ...opsEnv(0).shape,
  BODY_LIMIT_BYTES: int("largest accepted webhook body", 3 * 1024 * 1024, { min: 1024, max: 100 * 1024 * 1024 }),
  WEBHOOK_BUFFER_BYTES: int(
    "webhook body bytes the receiver holds in memory at once; past it 503 + Retry-After",
    32 * 1024 * 1024,
    { min: 1024, max: 1024 * 1024 * 1024 },
  ),
  WEBHOOK_PUBLISH_TIMEOUT_MS: int("longest wait for the stream's ack before a body goes to the Postgres inbox", 1000, {
    min: 50,
    max: 30_000,
  }),
});

// The processor never sees Meta's secrets: the receiver verified every body before publishing it. It reads the
// accounts (no secrets) to route each event by its number or WABA.
export const webhookProcessorEnv = z
  .object({
    ...baseEnv.shape,
    ...pgEnv.shape,
    ...redisEnv.shape,
    ...natsEnv.shape,
    ...opsEnv(9468).shape,
    ACCOUNTS_FILE: metaEnv.shape.ACCOUNTS_FILE,
    META_PHONE_NUMBER_ID: z
      .string()
      .regex(/^\d+$/, { error: "expected digits only" })
      .optional()
      .describe("the one number's phone_number_id when there is no accounts file (no file and unset: no start)"),
    META_WABA_ID: z
      .string()
      .regex(/^\d+$/, { error: "expected digits only" })
      .optional()
      .describe("the one number's WhatsApp Business Account id when there is no accounts file"),
    OPT_OUT_KEYWORDS: list("inbound texts (whole message) that revoke marketing consent", DEFAULT_OPT_OUT_KEYWORDS, {
      upper: true,
    }),
    OPT_IN_KEYWORDS: list("inbound texts (whole message) that grant marketing consent again", DEFAULT_OPT_IN_KEYWORDS, {
      upper: true,
    }),
    WEBHOOK_INFLIGHT: int("webhook bodies one processor process applies at once", 16, { min: 1, max: 256 }),
    WEBHOOK_EVENT_CONCURRENCY: int(
      "events of one body applied at once when each needs its own transaction (inbound, account events, 131050/131049 or sanitized statuses); plain statuses go in one statement",
      4,
      { min: 1, max: 64 },
    ),
    INBOX_DRAIN_MS: int("how often the processor looks for bodies kept in the Postgres inbox", 1000, {
      min: 50,
      max: 60_000,
    }),
    // Meta redelivers for up to 7 days: a shorter ledger would let a late copy apply twice.
    WEBHOOK_LEDGER_RETENTION_DAYS: int("days an applied webhook event's key is kept for deduplication", 8, {
      min: 8,
      max: 365,
    }),
  })
  .superRefine((cfg, ctx) => {
    const overlap = cfg.OPT_IN_KEYWORDS.filter((k) => cfg.OPT_OUT_KEYWORDS.includes(k));
    if (overlap.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["OPT_IN_KEYWORDS"],
        message: `also listed in OPT_OUT_KEYWORDS: ${overlap.join(", ")}`,
        params: { echo: false },
      });
    }
  });

export const deliveryWorkerEnv = z.object({
  ...sendingEnv,
  ...opsEnv(9465).shape,
  DELIVERY_CONCURRENCY: int("messages one worker process sends at once", 16, { min: 1, max: 256 }),
  PAIR_BURST: int("messages to one recipient allowed in a burst before the pair pacing applies", 3, {
    min: 1,
    max: 45,
  }),
  THROUGHPUT_HEADROOM_PCT: int(
    "percent below each number's throughput we pace at, so arrival jitter never overruns Meta's bucket (130429)",
    3,
    { min: 0, max: 50 },
  ),
  PAIR_MARGIN_MS: int(
    "added to PAIR_LIMIT_SECS so clock and latency jitter never put us ahead of Meta's pair bucket",
    100,
    { min: 0, max: 10_000 },
  ),
  DELIVERY_REPLICAS: int("delivery worker processes sharing one number (sizes the Redis-down fallback bucket)", 1, {
    min: 1,
    max: 1000,
  }),
  SENDING_PROBE_SECS: int(
    "while an account-level error pauses the number's sending, Meta is probed this often to resume",
    60,
    { min: 1, max: 86_400 },
  ),
  THROUGHPUT_REFRESH_SECS: int(
    "each number's throughput_mps is read from phone_numbers this often (a THROUGHPUT_UPGRADE applies without a restart)",
    5,
    { min: 1, max: 3600 },
  ),
});

export const campaignWorkerEnv = z.object({
  ...sendingEnv,
  ...opsEnv(9466).shape,
  CAMPAIGN_PAGE_SIZE: int("recipients read and enqueued per page of a campaign fan-out", 500, { min: 1, max: 10_000 }),
  QUIET_HOURS_MODE: choice(
    ["hold", "skip"],
    "hold",
    "recipients in quiet hours: hold until sending opens, or skip them",
  ),
  MESSAGING_LIMIT_TIER: z
    .string()
    .regex(/^TIER_[A-Z0-9]+$/, { error: 'expected a tier such as "TIER_250" or "TIER_UNLIMITED"' })
    .optional()
    .describe("override of the portfolio messaging-limit tier read from Meta"),
  CAMPAIGN_INFLIGHT: int("campaign triggers one worker process handles at once", 4, { min: 1, max: 64 }),
  CAMPAIGN_SWEEP_MS: int("sweeper period: due campaigns, completion, tier waits, orphans", 1000, {
    min: 50,
    max: 60_000,
  }),
  CAMPAIGN_ORPHAN_SECS: int("a running fan-out idle this long with no page in flight is re-triggered", 30, {
    min: 1,
    max: 3600,
  }),
});

// The scheduler's only Meta call is the periodic template sync (a read): without the token and WABA id it
// does not sync and says so at start; it never sends and never holds the app secret.
export const schedulerEnv = z.object({
  ...baseEnv.shape,
  ...pgEnv.shape,
  ...redisEnv.shape,
  ...natsEnv.shape,
  ...complianceEnv.shape,
  ...metaEnv.shape,
  META_ACCESS_TOKEN: z
    .string()
    .optional()
    .describe("the Meta system-user access token; unset = the scheduler does not sync templates"),
  META_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d+$/, { error: "expected digits only" })
    .optional()
    .describe("the WhatsApp business phone number id (unused by the scheduler)"),
  META_WABA_ID: z
    .string()
    .regex(/^\d+$/, { error: "expected digits only" })
    .optional()
    .describe(
      "the WhatsApp Business Account id whose templates the scheduler syncs without accounts.yaml (with it: every WABA of the file, each with its token); unset = no sync",
    ),
  TEMPLATE_SYNC_SECS: int(
    "how often one scheduler replica re-reads every template from Meta into the templates table, besides once at start (0 = only at start)",
    900,
    { min: 0, max: 86_400 },
  ),
  ...opsEnv(9467).shape,
  SCHEDULER_TICK_MS: int("how often due scheduled messages and campaigns are looked for", 250, {
    min: 10,
    max: 60_000,
  }),
  STUCK_QUEUED_SECS: int("age after which a still-queued message is republished", 10, { min: 1, max: 3600 }),
  STUCK_SENDING_SECS: int(
    "a sending row not touched this long lost its worker and is requeued, unless its call to Meta had started (keep above ack wait 30 s and META_TIMEOUT_MS)",
    60,
    { min: 5, max: 3600 },
  ),
  MAYBE_SENT_WAIT_SECS: int(
    "a row whose call to Meta got no answer waits this long for its status webhook before it is resent (webhooks arriving) or failed SEND_UNCONFIRMED",
    600,
    { min: 5, max: DAY_MS / 1000 },
  ),
  STUCK_RETRYING_SECS: int("a retrying row not touched this long is republished (above the longest nak delay)", 600, {
    min: 10,
    max: DAY_MS / 1000,
  }),
  RECONCILE_EVERY_MS: int("how often the reconciler looks for stuck rows", 1000, { min: 100, max: 600_000 }),
  SCHEDULER_BATCH: int("due scheduled messages dispatched per transaction", 200, { min: 1, max: 5000 }),
});

// The operator console reads and steers through the same packages as the tools. Its only Meta call is the
// Templates page's "sync now", so the Meta credentials are optional here: without them that button says why
// it is unavailable. It never holds the app secret.
export const consoleEnv = z.object({
  ...baseEnv.shape,
  ...pgEnv.shape,
  ...redisEnv.shape,
  ...natsEnv.shape,
  ...complianceEnv.shape,
  ...metaEnv.shape,
  META_ACCESS_TOKEN: z
    .string()
    .optional()
    .describe("the Meta system-user access token; unset = the console cannot sync templates"),
  META_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d+$/, { error: "expected digits only" })
    .optional()
    .describe("the WhatsApp business phone number id (unused by the console)"),
  META_WABA_ID: z
    .string()
    .regex(/^\d+$/, { error: "expected digits only" })
    .optional()
    .describe(
      "the WhatsApp Business Account id whose templates the console syncs without accounts.yaml (with it: every WABA of the file, each with its token); unset = no sync",
    ),
  ...httpEnv(8090).shape,
  ...opsEnv(0).shape,
  CONSOLE_COOKIE_SECURE: flag(
    "send the session cookie with Secure (only over https); false for plain-http local dev",
    true,
  ),
  CONSOLE_SESSION_HOURS: int("hours a console session lives without activity", 12, { min: 1, max: 720 }),
  CONSOLE_LOGIN_MAX_FAILURES: int(
    "wrong passwords in 15 minutes (per name or per address) before logins are throttled",
    5,
    { min: 1, max: 100 },
  ),
  CONSOLE_LOGIN_LOCK_SECS: int(
    "first throttle pause after too many wrong passwords; doubles with each further failure",
    30,
    { min: 1, max: 86_400 },
  ),
});

// `pnpm console:create-admin`: the database, plus the password to give the new account (else one is generated).
export const consoleAdminEnv = z.object({
  ...baseEnv.shape,
  ...pgEnv.shape,
  CONSOLE_ADMIN_PASSWORD: z
    .string()
    .optional()
    .describe("password for the account console:create-admin creates; unset = a random one, printed once"),
});

// `pnpm run doctor`: reads (never writes) Meta and the database to check a real configuration before going live.
export const doctorEnv = z.object({
  ...baseEnv.shape,
  ...pgEnv.shape,
  ...metaEnv.shape,
  META_APP_SECRET: z
    .string()
    .optional()
    .describe("the Meta app secret; set = doctor proves it belongs to the token's app (appsecret_proof)"),
});
