export { createCompliance } from "./compliance.js";
export type { Compliance, ComplianceOptions, FrequencyCapReport } from "./compliance.js";
export { decide, isTemplateSend, resolveCategory } from "./decide.js";
export { loadPolicies, parsePolicies } from "./load-policies.js";
export { PolicyError } from "./policy-error.js";
export { parsePolicy } from "./policy-schema.js";
export type { FrequencyLimitPolicy, Policy, PolicyType, SegmentExclusionPolicy, TimeRestrictionPolicy } from "./policy-schema.js";
export { quietStatus } from "./quiet-hours.js";
export type { QuietHours, QuietStatus } from "./quiet-hours.js";
export { parseRecipient, recipientTimezone } from "./recipient.js";
export type { Recipient } from "./recipient.js";
export { RULE_NAMES } from "./rules/context.js";
export { capState, marketingCap } from "./rules/frequency-rule.js";
export { variablesMismatch } from "./rules/template-rules.js";
export { isTimeZone } from "./zoned-time.js";
export type {
  Check,
  ConsentFact,
  ConsentMode,
  ConsentStatus,
  CustomerFacts,
  DecideOptions,
  Decision,
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
