export { createStateStore } from "./store.js";
export type { StateSnapshot, StateStore, StateStoreOptions } from "./store.js";
export { reserveFrequencySlot } from "./frequency.js";
export type { FrequencyReservation, ReserveInput } from "./frequency.js";
export { customerIdKind, isBsuid, placeOf } from "./identity.js";
export type { CustomerIdKind } from "./identity.js";
export { invalidTags } from "./tags.js";
export type { ArchiveResult } from "./archive.js";
export type { ConsentChange, ConsentMeta, ConsentResult } from "./consent.js";
export type { ConversationStatusFilter, ListFilter } from "./conversations.js";
export type { CustomerInfo } from "./customers.js";
export type { TagChange } from "./tag-change.js";
export { DEFAULT_CHANNEL, WINDOW_MS } from "./types.js";
export type {
  CareWindow,
  ConsentCategory,
  ConsentState,
  ConsentStatus,
  Conversation,
  ConversationType,
  Customer,
  CustomerKey,
  Refusal,
  Result,
  SlotEntry,
  StateLogger,
} from "./types.js";
