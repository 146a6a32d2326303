import type { Config } from "./load.js";
import type { campaignWorkerEnv, deliveryWorkerEnv, mcpGatewayEnv, schedulerEnv, webhookReceiverEnv } from "./apps.js";
import type { mockMetaEnv } from "./mock-meta-env.js";

export {
  baseEnv,
  complianceEnv,
  httpEnv,
  LOG_LEVELS,
  metaEnv,
  metaWebhookEnv,
  natsEnv,
  opsEnv,
  pgEnv,
  redisEnv,
} from "./fragments.js";
export {
  campaignWorkerEnv,
  DEFAULT_OPT_IN_KEYWORDS,
  DEFAULT_OPT_OUT_KEYWORDS,
  deliveryWorkerEnv,
  mcpGatewayEnv,
  schedulerEnv,
  webhookReceiverEnv,
} from "./apps.js";
export { mockMetaEnv, parseForceErrors } from "./mock-meta-env.js";
export { ConfigError, loadConfig, loadConfigOrExit } from "./load.js";
export type { Config, EnvSource, LoadOrExitOptions } from "./load.js";
export { isSecretKey, REDACTED, redactConfig, redactUrl } from "./redact.js";

export type McpGatewayConfig = Config<typeof mcpGatewayEnv>;
export type WebhookReceiverConfig = Config<typeof webhookReceiverEnv>;
export type DeliveryWorkerConfig = Config<typeof deliveryWorkerEnv>;
export type CampaignWorkerConfig = Config<typeof campaignWorkerEnv>;
export type SchedulerConfig = Config<typeof schedulerEnv>;
export type MockMetaConfig = Config<typeof mockMetaEnv>;
