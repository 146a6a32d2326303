import { webhookReceiverEnv } from "@wa/config";
import { z } from "zod";

const int = (def: number, min: number, max: number, what: string) =>
  z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(min).max(max).default(def)).describe(what);

// Knobs not (yet) in @wa/config; same rules (empty = default). See README.
export const receiverEnv = webhookReceiverEnv.safeExtend({
  WEBHOOK_PUBLISH_TIMEOUT_MS: int(1000, 50, 30_000, "longest wait for the stream's ack before a body goes to the Postgres inbox"),
  WEBHOOK_INFLIGHT: int(16, 1, 256, "webhook bodies one processor process applies at once"),
  WEBHOOK_EVENT_CONCURRENCY: int(4, 1, 64, "events of one body applied at once"),
  INBOX_DRAIN_MS: int(1000, 50, 60_000, "how often the processor looks for bodies kept in the Postgres inbox"),
});
