import type { McpGatewayConfig } from "@wa/config";
import type { Db } from "@wa/db";
import type { Messaging } from "@wa/messaging";
import type { MetaClient } from "@wa/meta";
import type { Logger } from "@wa/observability";
import type { Compliance } from "@wa/compliance";
import type { Limiter } from "@wa/ratelimit";
import type { StateStore } from "@wa/state";
import type { Redis } from "ioredis";
import type { BusLink } from "./bus-link.js";
import type { Exposure } from "./tools/exposure.js";

/** Everything a tool may use; built once in main() (or by a test) and passed to createGatewayServer. */
export interface ToolDeps {
  cfg: McpGatewayConfig;
  log: Logger;
  now: () => number;
  db: Db;
  redis: Redis;
  bus: BusLink;
  meta: MetaClient;
  limiter: Limiter;
  state: StateStore;
  compliance: Compliance;
  messaging: Messaging; // the one send path (send/reply/schedule/retry tools)
  exposure: Exposure;
}
