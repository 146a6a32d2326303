export { createWebhookProcessor } from "./processor.js";
export type { ProcessOptions, WebhookProcessor } from "./processor.js";
export { createWebhookHandler, WEBHOOK_RETRY_MS } from "./handler.js";
export { createInboxDrainer, drainInbox, inboxSize, storeInInbox } from "./inbox.js";
export type { InboxDrainer, InboxDrainerOptions, InboxPublish } from "./inbox.js";
export { createKeywordMatcher, normalizeKeyword } from "./keywords.js";
export type { KeywordAction, KeywordMatcher } from "./keywords.js";
export { claimEvent, pruneLedger } from "./ledger.js";
export type { EventOutcome, ProcessReport, WebhookProcessorOptions } from "./types.js";
