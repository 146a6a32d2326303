export { startStack } from "./stack.js";
export type { AppName, RunningApp, Stack } from "./stack.js";
export {
  checkInvariants, enqueueMany, NO_VIOLATIONS, printReport, violations, waitSent, waitSettled, watchStatuses,
} from "./invariants.js";
export type { Report } from "./invariants.js";
