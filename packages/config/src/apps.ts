import { z } from "zod";
import { choice, flag, int, list } from "./fields.js";
import { baseEnv, complianceEnv, httpEnv, metaEnv, metaWebhookEnv, natsEnv, opsEnv, pgEnv, redisEnv } from "./fragments.js";

export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = Object.freeze([
  "STOP",
  "STOP ALL",
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
  DISABLED_TOOLS: list("tool names hidden from agents", []),
  READ_ONLY: flag("expose only read-only tools", false),
});

export const webhookReceiverEnv = z
  .object({
    ...baseEnv.shape,
    ...pgEnv.shape,
    ...redisEnv.shape,
    ...natsEnv.shape,
    ...metaWebhookEnv.shape,
    ...httpEnv(8080).shape,
    ...opsEnv(0).shape,
    BODY_LIMIT_BYTES: int("largest accepted webhook body", 3 * 1024 * 1024, { min: 1024, max: 100 * 1024 * 1024 }),
    OPT_OUT_KEYWORDS: list("inbound texts (whole message) that revoke marketing consent", DEFAULT_OPT_OUT_KEYWORDS, { upper: true }),
    OPT_IN_KEYWORDS: list("inbound texts (whole message) that grant marketing consent again", DEFAULT_OPT_IN_KEYWORDS, { upper: true }),
    WEBHOOK_PUBLISH_TIMEOUT_MS: int("longest wait for the stream's ack before a body goes to the Postgres inbox", 1000, { min: 50, max: 30_000 }),
    WEBHOOK_INFLIGHT: int("webhook bodies one processor process applies at once", 16, { min: 1, max: 256 }),
    WEBHOOK_EVENT_CONCURRENCY: int("events of one body applied at once", 4, { min: 1, max: 64 }),
    INBOX_DRAIN_MS: int("how often the processor looks for bodies kept in the Postgres inbox", 1000, { min: 50, max: 60_000 }),
    // Meta redelivers for up to 7 days: a shorter ledger would let a late copy apply twice.
    WEBHOOK_LEDGER_RETENTION_DAYS: int("days an applied webhook event's key is kept for deduplication", 8, { min: 8, max: 365 }),
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
  PAIR_BURST: int("messages to one recipient allowed in a burst before the pair pacing applies", 3, { min: 1, max: 45 }),
  THROUGHPUT_HEADROOM_PCT: int("percent below THROUGHPUT_MPS we pace at, so arrival jitter never overruns Meta's bucket (130429)", 3, { min: 0, max: 50 }),
  PAIR_MARGIN_MS: int("added to PAIR_LIMIT_SECS so clock and latency jitter never put us ahead of Meta's pair bucket", 100, { min: 0, max: 10_000 }),
  DELIVERY_REPLICAS: int("delivery worker processes sharing one number (sizes the Redis-down fallback bucket)", 1, { min: 1, max: 1000 }),
});

export const campaignWorkerEnv = z.object({
  ...sendingEnv,
  ...opsEnv(9466).shape,
  CAMPAIGN_PAGE_SIZE: int("recipients read and enqueued per page of a campaign fan-out", 500, { min: 1, max: 10_000 }),
  QUIET_HOURS_MODE: choice(["hold", "skip"], "hold", "recipients in quiet hours: hold until sending opens, or skip them"),
  MESSAGING_LIMIT_TIER: z
    .string()
    .regex(/^TIER_[A-Z0-9]+$/, { error: 'expected a tier such as "TIER_250" or "TIER_UNLIMITED"' })
    .optional()
    .describe("override of the portfolio messaging-limit tier read from Meta"),
  CAMPAIGN_INFLIGHT: int("campaign triggers one worker process handles at once", 4, { min: 1, max: 64 }),
  CAMPAIGN_SWEEP_MS: int("sweeper period: due campaigns, completion, tier waits, orphans", 1000, { min: 50, max: 60_000 }),
  CAMPAIGN_ORPHAN_SECS: int("a running fan-out idle this long with no page in flight is re-triggered", 30, { min: 1, max: 3600 }),
});

// The scheduler never calls Meta, so it does not need (or get) the access token.
export const schedulerEnv = z.object({
  ...baseEnv.shape,
  ...pgEnv.shape,
  ...redisEnv.shape,
  ...natsEnv.shape,
  ...complianceEnv.shape,
  ...opsEnv(9467).shape,
  SCHEDULER_TICK_MS: int("how often due scheduled messages and campaigns are looked for", 250, { min: 10, max: 60_000 }),
  STUCK_QUEUED_SECS: int("age after which a still-queued message is republished", 10, { min: 1, max: 3600 }),
  STUCK_SENDING_SECS: int("a sending row not touched this long lost its worker and is requeued (keep above ack wait 30 s and META_TIMEOUT_MS)", 60, { min: 5, max: 3600 }),
  STUCK_RETRYING_SECS: int("a retrying row not touched this long is republished (above the longest nak delay)", 600, { min: 10, max: 86_400 }),
  RECONCILE_EVERY_MS: int("how often the reconciler looks for stuck rows", 1000, { min: 100, max: 600_000 }),
  SCHEDULER_BATCH: int("due scheduled messages dispatched per transaction", 200, { min: 1, max: 5000 }),
});
