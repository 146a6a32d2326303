import { schedulerEnv } from "@wa/config";
import { z } from "zod";

const int = (def: number, min: number, max: number, what: string) =>
  z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(min).max(max).default(def)).describe(what);

// Scheduler knobs not (yet) in @wa/config; they follow its rules (empty = default). See README.
export const schedulerAppEnv = schedulerEnv.extend({
  STUCK_SENDING_SECS: int(60, 5, 3600, "a sending row not touched this long lost its worker and is requeued (keep above ack wait 30 s and META_TIMEOUT_MS)"),
  STUCK_RETRYING_SECS: int(600, 10, 86_400, "a retrying row not touched this long is republished (above the longest nak delay)"),
  RECONCILE_EVERY_MS: int(1000, 100, 600_000, "how often the reconciler looks for stuck rows"),
  SCHEDULER_BATCH: int(200, 1, 5000, "due scheduled messages dispatched per transaction"),
});
