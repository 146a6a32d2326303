import type { BusNames, JetStreamClient } from "@wa/bus";
import type { Compliance } from "@wa/compliance";
import type { Db } from "@wa/db";
import type { LogLike, Metrics } from "@wa/observability";
import type { StateStore } from "@wa/state";

export interface SchedulerDeps {
  readonly db: Db;
  readonly state: StateStore;
  readonly compliance: Compliance;
  readonly js: JetStreamClient;
  readonly names: BusNames;
  readonly log: LogLike;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  readonly batchSize?: number; // due messages per transaction, default 200
  readonly publishTimeoutMs?: number; // default 1000
}
