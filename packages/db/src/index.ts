export { createDb, createPool, ensureDatabase, migrate, pendingMigrations, pingDb } from "./db.js";
export type { Db } from "./db.js";
export { permanentDbError, pgCode, TOO_MANY_CONNECTIONS } from "./errors.js";
export { writeAudit } from "./audit.js";
export { isDbUnavailable } from "./faults.js";
export { inTransaction } from "./transaction.js";
export type { Executor } from "./transaction.js";
export type {
  AgentKeyRow,
  ApprovalStatus,
  AuditActor,
  AuditLogRow,
  CampaignRow,
  CampaignStatus,
  Consent,
  ConversationRow,
  CustomerRow,
  Database,
  MessageCategory,
  MessageRow,
  MessageStatus,
  NewTemplateRow,
  OperatorRole,
  OperatorRow,
  PolicyRow,
  SendingPauseRow,
  TemplateRow,
  WebhookDeadLetterRow,
} from "./types.js";
export { campaignCounterCtes, moveCampaignCounters, moveCampaignCountersMany } from "./campaign-counters.js";
