import { campaignWorkerEnv } from "@wa/config";
import { z } from "zod";

const int = (def: number, min: number, max: number, what: string) =>
  z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(min).max(max).default(def)).describe(what);

// Worker knobs not (yet) in @wa/config; they follow its rules (empty = default). See README.
export const workerEnv = campaignWorkerEnv.extend({
  CAMPAIGN_INFLIGHT: int(4, 1, 64, "campaign triggers one worker process handles at once"),
  CAMPAIGN_SWEEP_MS: int(1000, 50, 60_000, "sweeper period: due campaigns, completion, tier waits, orphans"),
  CAMPAIGN_ORPHAN_SECS: int(30, 1, 3600, "a running fan-out idle this long with no page in flight is re-triggered"),
});
