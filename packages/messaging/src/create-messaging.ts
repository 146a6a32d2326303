import { createCancel } from "./cancel.js";
import { createEnqueue } from "./enqueue.js";
import { createRetryFailed } from "./retry-failed.js";
import type { Messaging, MessagingOptions } from "./types.js";

/** The one send path shared by the gateway, the scheduler and (optionally) the campaign worker. */
export function createMessaging(opts: MessagingOptions): Messaging {
  return {
    enqueueOutbound: createEnqueue(opts),
    cancelMessage: createCancel(opts),
    retryFailed: createRetryFailed(opts),
  };
}
