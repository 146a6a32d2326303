import { createCancel } from "./cancel.js";
import { createEnqueue } from "./enqueue.js";
import { createRetryFailed } from "./retry-failed.js";
import type { Messaging, MessagingOptions } from "./types.js";

/** The one send path shared by the gateway, the scheduler and the campaign worker (enqueueBatch). */
export function createMessaging(opts: MessagingOptions): Messaging {
  const { enqueueOutbound, requestOutbound, enqueueBatch } = createEnqueue(opts);
  return {
    enqueueOutbound,
    requestOutbound,
    enqueueBatch,
    cancelMessage: createCancel(opts),
    retryFailed: createRetryFailed(opts),
  };
}
