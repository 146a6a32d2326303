export { createMockMeta } from "./app.js";
export type { MockMeta } from "./app.js";
export { startMockMeta } from "./server.js";
export type { RunningMockMeta, StartOptions } from "./server.js";
export type { MockLog, MockMetaOptions, PhoneSeed } from "./options.js";
export type { KnobsPatch, MockKnobs } from "./knobs.js";
export type { CallRecord } from "./call-log.js";
export {
  DEFAULT_DISPLAY_PHONE_NUMBER, DEFAULT_PHONE_NUMBER_ID, DEFAULT_VERIFIED_NAME, DEFAULT_WABA_ID, SEED_TEMPLATES,
} from "./seed.js";
export type { TemplateCategory, TemplateComponent, TemplateSeed, TemplateStatus } from "./seed.js";
export { RECIPIENT_TRIGGERS } from "./triggers.js";
export type { Trigger } from "./triggers.js";
export { encodeMetaJson, signBody } from "./webhooks/encode.js";
