import { deliveryWorkerEnv } from "@wa/config";
import { z } from "zod";

const int = (def: number, min: number, max: number, what: string) =>
  z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(min).max(max).default(def)).describe(what);

// Worker knobs not (yet) in @wa/config; they follow its rules (empty = default). See README.
export const workerEnv = deliveryWorkerEnv.extend({
  PAIR_BURST: int(3, 1, 45, "messages to one recipient allowed in a burst before the pair pacing applies"),
  THROUGHPUT_HEADROOM_PCT: int(3, 0, 50, "percent below THROUGHPUT_MPS we pace at, so arrival jitter never overruns Meta's bucket (130429)"),
  PAIR_MARGIN_MS: int(100, 0, 10_000, "added to PAIR_LIMIT_SECS so clock and latency jitter never put us ahead of Meta's pair bucket"),
  DELIVERY_REPLICAS: int(1, 1, 1000, "delivery worker processes sharing one number (sizes the Redis-down fallback bucket)"),
});
