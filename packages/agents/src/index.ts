export { configuredIdentity, missingToolScope } from "./identity.js";
export type { AgentIdentity } from "./identity.js";
export { approvalActionsOf, createAgentKey, listAgentKeys, revokeAgentKey } from "./keys.js";
export type { AgentScopes } from "./keys.js";
export { createKeyResolver } from "./resolver.js";
export type { KeyResolver } from "./resolver.js";
