export { openAccounts, secretReader, singleNumberAccounts } from "./open.js";
export { type Accounts, createAccounts, type NumberAccount } from "./registry.js";
export { AccountsError, parseAccounts } from "./schema.js";
export { DEFAULT_BUSINESS_CHANNEL, syncAccounts } from "./sync.js";
export { appSecretsByWaba } from "./webhook-secrets.js";
