export { bootWorker, runMain } from "./boot.js";
export type { Worker, WorkerConfig } from "./boot.js";
