export { createMessaging } from "./create-messaging.js";
export { decisionRequestOf } from "./retry-failed.js";
export type {
  Accepted,
  CancelOptions,
  CancelResult,
  EnqueueOptions,
  EnqueueResult,
  JetStreamSource,
  Messaging,
  MessagingOptions,
  OutboundContent,
  OutboundRequest,
  Refused,
  RetryOutcome,
} from "./types.js";
export { createDeliveryHandler } from "./delivery/handler.js";
export { startDeliveryWorker } from "./delivery/worker.js";
export type { DeliveryWorker, DeliveryWorkerOptions } from "./delivery/worker.js";
export type { ClaimedRow, DeliveryDeps } from "./delivery/types.js";
export { startScheduler } from "./scheduler/loop.js";
export type { Scheduler, SchedulerOptions } from "./scheduler/loop.js";
export { dispatchDueBatch, nextDueAt, prewarmDue } from "./scheduler/dispatch-due.js";
export type { DispatchReport } from "./scheduler/dispatch-due.js";
export { publishDueCampaigns } from "./scheduler/campaigns-due.js";
export { reconcileOnce } from "./scheduler/reconcile.js";
export type { ReconcileOptions, ReconcileReport } from "./scheduler/reconcile.js";
export type { SchedulerDeps } from "./scheduler/types.js";
