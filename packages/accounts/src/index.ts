export { type OpenAccountsOptions, openAccounts, singleNumberAccounts, type SingleNumberEnv } from "./open.js";
export { type Accounts, createAccounts, type NumberAccount, type WabaSecrets } from "./registry.js";
export { AccountsError, type AccountsSpec, parseAccounts } from "./schema.js";
export { DEFAULT_BUSINESS_CHANNEL, syncAccounts } from "./sync.js";
export { appSecretsByWaba } from "./webhook-secrets.js";
