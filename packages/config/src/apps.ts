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
});
