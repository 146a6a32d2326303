export { startStack } from "./stack.js";
export type { RunningApp, Stack } from "./stack.js";
export {
  checkInvariants,
  enqueueMany,
  NO_VIOLATIONS,
  printReport,
  violations,
  waitSent,
  waitSettled,
  watchStatuses,
} from "./invariants.js";
export { startWorkerPgStack } from "./worker-pg-stack.js";
export type { WorkerPgStack } from "./worker-pg-stack.js";
