export { createCompliance } from "./compliance.js";
export type { Compliance } from "./compliance.js";
export { decide, recheckQueued } from "./decide.js";
export { loadPolicies, parsePolicies, upsertPolicies } from "./load-policies.js";
export { PolicyError } from "./policy-error.js";
export { policyApplies } from "./policy-channel.js";
export { parsePolicy } from "./policy-schema.js";
export type { Policy, RequireApprovalPolicy } from "./policy-schema.js";
export { quietStatus } from "./quiet-hours.js";
export { parseRecipient, recipientTimezone } from "./recipient.js";
export { refusalOf } from "./refusal.js";
export { RULE_NAMES } from "./rules/context.js";
export { templateDenial } from "./rules/template-rules.js";
export { templateComponents, templateDesignProblems } from "./template-design.js";
export type { TemplateDesign } from "./template-design.js";
export type { ButtonPart, HeaderPart, TemplateParts } from "./template-parts.js";
export { US_MARKETING_PAUSE_POLICY } from "./rules/us-marketing-pause-rule.js";
export { windowOf } from "./rules/window-rule.js";
export type {
  Check,
  ConsentFact,
  CustomerFacts,
  DecideOptions,
  Decision,
  Denied,
  DecisionRequest,
  DenialCode,
  Facts,
  MessageCategory,
  MessageType,
  TemplateFacts,
  TemplateLookup,
  Variables,
} from "./types.js";
export { loadTemplate } from "./catalog.js";
export { recordCreatedTemplate, templateNewerThan, updateTemplate, upsertTemplates } from "./template-writes.js";
export { syncTemplates } from "./template-sync.js";
export { openTemplateSources } from "./template-sources.js";
export type { SyncOutcome, WabaTemplates } from "./template-sync.js";
export { claimTemplateSync, startTemplateSync } from "./template-sync-loop.js";
