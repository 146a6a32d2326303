export { changePassword, countOperators, createOperator, listOperators } from "./accounts.js";
export type { Operator } from "./accounts.js";
export { login, throttleWait } from "./login.js";
export type { LoginPolicy } from "./login.js";
export { hashPassword, verifyPassword } from "./passwords.js";
export { hasRole, isRole, operatorActor } from "./roles.js";
export { createSession, destroySession, pruneSessions, resolveSession } from "./sessions.js";
export { createApiToken, listApiTokens, resolveApiToken, revokeApiToken } from "./tokens.js";
