export { startMockMeta } from "./server.js";
export type { RunningMockMeta } from "./server.js";
export type { MockAccount } from "./accounts.js";
export { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID, SEED_TEMPLATES } from "./seed.js";
