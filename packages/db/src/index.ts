export { createDb, createPool, ensureDatabase, migrate, pendingMigrations, pingDb } from "./db.js";
export type { Db, DbOptions, MigrateOutcome } from "./db.js";
export { writeAudit } from "./audit.js";
export type { AuditEntry } from "./audit.js";
export type {
  AuditActor, AuditLogRow, CampaignRow, CampaignStatus, CampaignsTable, Consent, ConversationRow, ConversationsTable,
  CustomerRow, CustomerUpdate, CustomersTable, Database, MessageCategory, MessageDirection, MessageRow, MessageStatus,
  MessageUpdate, MessagesTable, NewAuditLogRow, NewCampaignRow, NewCustomerRow, NewMessageRow, NewPolicyRow,
  NewTemplateRow, PhoneNumberRow, PolicyRow, PolicyType, TemplateRow,
} from "./types.js";
