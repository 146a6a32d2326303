import { DAY_MS } from "@wa/config";
import { z } from "zod";

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(DAY_MS);
const statusTriple = <T extends z.ZodType>(t: T) => z.object({ sent: t, delivered: t, read: t });

/** Runtime knobs: the document GET/POST /_mock/config reads and patches (snake_case: it is a wire shape). */
const knobsSchema = z.object({
  webhook_target_url: z.url().nullable(),
  latency_ms: ms, // added before every Graph answer
  latency_jitter_ms: ms,
  failure_rate: rate, // share of otherwise-valid sends failed with one of failure_codes
  failure_codes: z.array(z.number().int()).min(1),
  force_errors: z.record(z.string(), z.number().int()), // recipient digits → code
  triggers: z.boolean(), // recipient-suffix triggers (README table)
  user_ids: z.boolean(), // webhooks carry a BSUID (user_id, from_user_id, recipient_user_id) for every phone user
  us_marketing_pause: z.boolean(), // marketing templates to US numbers: accepted, then failed 131049 (Meta since 2025-04-01)
  token_revoked: z.boolean(), // every Graph call answers 190, as when Meta invalidates the access token
  token_scopes: z.array(z.string()), // what debug_token reports the access token was granted
  waba_subscribed: z.boolean(), // false: GET /{waba_id}/subscribed_apps lists no app (webhooks would not arrive)
  pair_burst: z.number().int().min(1),
  pair_interval_ms: z.number().int().min(1),
  throttle_http_status: z.union([z.literal(400), z.literal(429)]),
  webhook_delays_ms: statusTriple(ms), // after acceptance
  webhook_jitter_ms: ms,
  drop_rates: statusTriple(rate),
  read_without_delivered_rate: rate,
  duplicate_rate: rate,
  reorder: z.boolean(),
  template_review_delay_ms: ms,
  webhook_retry_delays_ms: z.array(ms).max(10),
  webhook_max_batch: z.number().int().min(1).max(1000),
  webhook_concurrency: z.number().int().min(1).max(256),
  webhook_timeout_ms: z.number().int().min(1),
});

export type MockKnobs = z.infer<typeof knobsSchema>;

export const knobsPatchSchema = knobsSchema
  .extend({
    webhook_delays_ms: statusTriple(ms).partial(),
    drop_rates: statusTriple(rate).partial(),
  })
  .partial();

export type KnobsPatch = z.infer<typeof knobsPatchSchema>;

export function defaultKnobs(stepMs: number): MockKnobs {
  return {
    webhook_target_url: null,
    latency_ms: 0,
    latency_jitter_ms: 0,
    failure_rate: 0,
    failure_codes: [131000, 133004],
    force_errors: {},
    triggers: true,
    user_ids: false,
    us_marketing_pause: true,
    token_revoked: false,
    token_scopes: ["whatsapp_business_messaging", "whatsapp_business_management"],
    waba_subscribed: true,
    pair_burst: 3,
    pair_interval_ms: 6000,
    throttle_http_status: 400,
    webhook_delays_ms: { sent: stepMs, delivered: 2 * stepMs, read: 3 * stepMs },
    webhook_jitter_ms: 0,
    drop_rates: { sent: 0, delivered: 0, read: 0 },
    read_without_delivered_rate: 0,
    duplicate_rate: 0,
    reorder: false,
    template_review_delay_ms: 1000,
    webhook_retry_delays_ms: [200, 1000, 5000],
    webhook_max_batch: 100,
    webhook_concurrency: 8,
    webhook_timeout_ms: 10_000,
  };
}

export function applyKnobs(knobs: MockKnobs, patch: KnobsPatch): MockKnobs {
  return {
    ...knobs,
    ...patch,
    webhook_delays_ms: { ...knobs.webhook_delays_ms, ...patch.webhook_delays_ms },
    drop_rates: { ...knobs.drop_rates, ...patch.drop_rates },
  };
}
