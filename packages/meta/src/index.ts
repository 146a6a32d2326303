export { createMetaClient } from "./client/create-meta-client.js";
export type {
  CallOptions,
  CreatedTemplate,
  CreateTemplateInput,
  ListTemplatesInput,
  MetaClient,
  MetaClientConfig,
  PhoneNumberInfo,
  SendResult,
  SendTemplateInput,
  SendTextInput,
  TemplateButton,
  TemplateInfo,
  TemplatePage,
  TemplateParameter,
  WabaInfo,
} from "./client/types.js";
export type { MetaError, MetaErrorKind, MetaResult } from "./result.js";

export { explainMetaError, explainMetaFailure } from "./errors/explain.js";
export type { ErrorContext } from "./errors/explain.js";
export { retryDecision } from "./errors/retry-decision.js";
export type { RetryDecision, RetryInput, RetryOptions } from "./errors/retry-decision.js";
export type { ErrorCategory, ErrorExplanation, RetryStrategy } from "./errors/types.js";

export { escapeNonAscii } from "./webhooks/escape-non-ascii.js";
export { parseWebhook } from "./webhooks/parse-webhook.js";
export { signBody, verifySignature } from "./webhooks/signature.js";
export type { RawBody } from "./webhooks/signature.js";
export type {
  AccountUpdateEvent,
  DeliveryStatus,
  InboundContact,
  InboundContent,
  InboundMedia,
  InboundMessageEvent,
  ParseWebhookResult,
  PhoneQualityEvent,
  StatusEvent,
  SystemErrorEvent,
  TemplateCategoryEvent,
  TemplateQualityEvent,
  TemplateStatusEvent,
  UnknownEvent,
  UserPreferenceEvent,
  WebhookError,
  WebhookEvent,
} from "./webhooks/types.js";

export { countryOf } from "./phone/calling-codes.js";
export { normalizePhone } from "./phone/normalize-phone.js";
export type { NormalizedPhone, PhoneRejection } from "./phone/normalize-phone.js";
export { defaultTimezone } from "./phone/timezones.js";

export { estimateCost, rateFor } from "./pricing/estimate-cost.js";
export type {
  CostCategory,
  CostEstimate,
  EstimateCostInput,
  PricingOptions,
  RateCategory,
  RateQuote,
} from "./pricing/estimate-cost.js";
