export { createStateStore } from "./store.js";
export type { MirroredSlot, StateSnapshot, StateStore } from "./store.js";
export { lockCustomers, reserveFrequencySlot, reserveFrequencySlots } from "./frequency.js";
export { changeConsent } from "./consent.js";
export type { FrequencyReservation } from "./frequency.js";
export { customerIdKind, isBsuid, placeOf } from "./identity.js";
export type { Customer, CustomerKey } from "./types.js";
export { linkCustomerIds, resolveCustomerId, resolveCustomerIds } from "./aliases.js";
export { markMarketingLimited } from "./marketing-limit.js";
