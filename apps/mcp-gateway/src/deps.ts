import type { Accounts } from "@wa/accounts";
import type { AgentIdentity } from "@wa/agents";
import type { McpGatewayConfig } from "@wa/config";
import type { AuditActor, Db } from "@wa/db";
import type { ApprovalGate, Messaging } from "@wa/messaging";
import type { MediaClient, MetaClient } from "@wa/meta";
import type { Logger, Metrics } from "@wa/observability";
import type { Compliance } from "@wa/compliance";
import type { Limiter } from "@wa/ratelimit";
import type { StateStore } from "@wa/state";
import type { Redis } from "ioredis";
import type { BusLink } from "./bus-link.js";
import type { GraphClients } from "./graph.js";
import type { InboundFeed } from "./inbound-feed.js";
import type { Exposure } from "./tools/exposure.js";

/** Everything a tool may use; built once in main() (or by a test) and passed to createGatewayServer. */
export interface ToolDeps {
  cfg: McpGatewayConfig;
  log: Logger;
  now: () => number;
  db: Db;
  accounts: Accounts; // the business numbers a tool's `from` may name (accounts.yaml or the META_* variables)
  redis: Redis;
  bus: BusLink;
  graph: GraphClients; // the Graph clients of a number (its WABA's token): tools acting for a number use these
  meta: MetaClient; // the default number's (= graph.of(accounts.defaultNumber))
  media: MediaClient; // the default number's Graph media endpoints; the token stays inside
  inbound: InboundFeed; // "a customer wrote", relayed from the webhook processor
  localFiles: boolean; // the agent shares this machine (stdio): upload_media may read files inside MEDIA_DIR
  limiter: Limiter;
  state: StateStore;
  compliance: Compliance;
  messaging: Messaging; // the one send path (send/reply/schedule/retry tools; requestOutbound = behind approvals)
  approvals: ApprovalGate; // require_approval: the gate requestOutbound and schedule_campaign ask
  exposure: Exposure;
  metrics: Metrics; // wa_compliance_decisions_total among others; /metrics on OPS_PORT
  actor: AuditActor; // who is calling: agent.actor ("agent:<name>"), so every audit entry names the agent
  agent: AgentIdentity; // the caller's key (HTTP, per request) or AGENT_NAME (stdio): name and scopes
}

/** The same deps for a remote agent (HTTP): one object spread per request, no client built; no local files. */
export function forRemoteAgent(deps: ToolDeps, agent: AgentIdentity): ToolDeps {
  return { ...deps, agent, actor: agent.actor, localFiles: false };
}
