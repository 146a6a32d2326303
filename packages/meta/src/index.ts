export { createMetaClient } from "./client/create-meta-client.js";
export type { MetaClient, SendResult, TemplateInfo, TemplateParameter } from "./client/types.js";
export type { InteractiveContent, InteractiveHeader, RichContent } from "./client/rich.js";
export type { MetaError, MetaResult } from "./result.js";

export { createMediaClient } from "./media/media-client.js";
export type { MediaClient } from "./media/media-client.js";
export { MEDIA_MAX_BYTES } from "./media/limits.js";
export { checkMedia, sniffMime } from "./media/sniff.js";

export { explainMetaError, explainMetaFailure } from "./errors/explain.js";
export { retryDecision } from "./errors/retry-decision.js";
export type { RetryOptions } from "./errors/retry-decision.js";
export type { ErrorCategory, ErrorExplanation } from "./errors/types.js";

export { escapeNonAscii } from "./webhooks/escape-non-ascii.js";
export { parseWebhook } from "./webhooks/parse-webhook.js";
export { signBody, verifySignature } from "./webhooks/signature.js";
export type {
  AccountUpdateEvent,
  InboundMessageEvent,
  PhoneQualityEvent,
  StatusEvent,
  TemplateCategoryEvent,
  TemplateQualityEvent,
  TemplateStatusEvent,
  UnknownEvent,
  WebhookEvent,
} from "./webhooks/types.js";

export { countryOf } from "./phone/calling-codes.js";
export { normalizePhone } from "./phone/normalize-phone.js";
export { defaultTimezone } from "./phone/timezones.js";

export { estimateCost, rateFor } from "./pricing/estimate-cost.js";
export { loadRateCard, rateCard, RateCardError } from "./pricing/rate-card.js";
