import type { Config } from "./load.js";
import type { consoleEnv, mcpGatewayEnv } from "./apps.js";

export { baseEnv, complianceEnv, metaEnv, natsEnv, pgEnv } from "./fragments.js";
export {
  campaignWorkerEnv,
  consoleAdminEnv,
  consoleEnv,
  DEFAULT_OPT_IN_KEYWORDS,
  DEFAULT_OPT_OUT_KEYWORDS,
  deliveryWorkerEnv,
  doctorEnv,
  mcpGatewayEnv,
  schedulerEnv,
  webhookProcessorEnv,
  webhookReceiverEnv,
} from "./apps.js";
export { mockMetaEnv, parseForceErrors } from "./mock-meta-env.js";
export { COMPLIANCE_DEFAULTS, DAY_MS, DEFAULT_CHANNEL, MAX_SCHEDULE_DAYS, WINDOW_MS } from "./defaults.js";
export { ConfigError, loadConfig, loadConfigOrExit } from "./load.js";
export { withEnvFiles } from "./env-files.js";
export type { Config } from "./load.js";
export { isSecretKey, redactConfig, redactUrl } from "./redact.js";

export type McpGatewayConfig = Config<typeof mcpGatewayEnv>;
export type ConsoleConfig = Config<typeof consoleEnv>;
