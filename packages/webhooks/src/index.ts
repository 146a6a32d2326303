export { createWebhookProcessor } from "./processor.js";
export { createWebhookHandler } from "./handler.js";
export { createInboxDrainer, drainInbox, inboxSize, storeInInbox } from "./inbox.js";
export { createKeywordMatcher, normalizeKeyword } from "./keywords.js";
export { claimEvent, pruneLedger, startLedgerPruner } from "./ledger.js";
export type { ProcessReport, WebhookProcessorOptions } from "./types.js";
export { discardDeadLetter, replayDeadLetter } from "./dead-letters.js";
