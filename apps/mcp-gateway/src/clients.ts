import { configuredIdentity } from "@wa/agents";
import { checkTopology, ensureTopology, type Bus } from "@wa/bus";
import type { McpGatewayConfig } from "@wa/config";
import { createDb } from "@wa/db";
import { createApprovalGate, createMessaging } from "@wa/messaging";
import { createMetrics, type Logger } from "@wa/observability";
import { createCompliance } from "@wa/compliance";
import { createLimiter, createRedis } from "@wa/ratelimit";
import { createStateStore } from "@wa/state";
import { openGatewayAccounts } from "./accounts.js";
import { keyApprovalRules } from "./approval-scope.js";
import { createBusLink } from "./bus-link.js";
import { createGraphClients } from "./graph.js";
import { createInboundFeed } from "./inbound-feed.js";
import type { ToolDeps } from "./deps.js";
import { createExposure } from "./tools/exposure.js";

export interface Clients {
  deps: ToolDeps;
  busReady: Promise<boolean>; // resolves after the first connect attempt: true when NATS is up
  closers: Array<{ name: string; close: () => Promise<unknown> }>; // in creation order
}

/**
 * Builds every client the tools use from the parsed config, with the accounts synced. Nothing here throws on an
 * outage; an invalid accounts.yaml throws (AccountsError).
 */
export async function createClients(
  cfg: McpGatewayConfig,
  log: Logger,
  now: () => number = Date.now,
): Promise<Clients> {
  const db = createDb(cfg.DATABASE_URL, { max: cfg.DB_POOL_MAX, applicationName: "mcp-gateway" });
  const accounts = await openGatewayAccounts(db, cfg, log).catch(async (err: unknown) => {
    await db.destroy();
    throw err;
  });
  const redis = createRedis(cfg.REDIS_URL, { log });
  const bus = createBusLink({ url: cfg.NATS_URL, names: cfg, log, onConnect: (b) => checkBus(b, cfg, log) });
  // One client per number with its WABA's token; without accounts.yaml the one of META_* as before.
  const graph = createGraphClients(accounts, cfg);
  const { meta, media } = graph.of(accounts.defaultNumber);
  const inbound = createInboundFeed(bus, log);
  const limiter = createLimiter({
    redis,
    keyPrefix: cfg.REDIS_KEY_PREFIX,
    throughputMps: cfg.THROUGHPUT_MPS,
    pairIntervalMs: Math.max(1, cfg.PAIR_LIMIT_SECS * 1000),
    log,
    now,
  });
  // A window key without a number is the default number's (tools always name theirs).
  const phoneNumberId = accounts.defaultNumber.phoneNumberId;
  const state = createStateStore({ db, redis, keyPrefix: cfg.REDIS_KEY_PREFIX, phoneNumberId, log, now });
  // Counted always (agent refusals feed the denials panel and alert); served when OPS_PORT > 0.
  const metrics = createMetrics({ service: "mcp-gateway", defaultMetrics: cfg.OPS_PORT > 0 });
  const compliance = createCompliance({
    db,
    state,
    consentMode: cfg.CONSENT_MODE,
    defaultCap: cfg.MARKETING_DAILY_CAP,
    defaultTimezone: cfg.DEFAULT_TIMEZONE,
    usMarketingPause: cfg.META_US_MARKETING_PAUSE,
    now,
    onDecision: (d) =>
      metrics.complianceDecisions.inc({
        result: d.allowed ? "allowed" : "denied",
        reason: d.allowed ? "ok" : d.reason_code,
      }),
  });
  // A getter: NATS may come up after the gateway; until then rows stay queued for the reconciler.
  const approvals = createApprovalGate({
    db,
    policies: compliance.policies,
    ttlMs: cfg.APPROVAL_TTL_HOURS * 3_600_000,
    now,
    rulesFor: keyApprovalRules(db),
  });
  const messaging = createMessaging({ db, state, compliance, js: () => bus.js(), names: cfg, log, now, approvals });
  const agent = configuredIdentity(cfg.AGENT_NAME);
  const exposure = createExposure({ disabledTools: cfg.DISABLED_TOOLS, readOnly: cfg.READ_ONLY });
  return {
    deps: {
      cfg,
      log,
      now,
      db,
      accounts,
      redis,
      bus,
      graph,
      meta,
      media,
      inbound,
      localFiles: true,
      limiter,
      state,
      compliance,
      messaging,
      approvals,
      exposure,
      metrics,
      actor: agent.actor,
      agent,
    },
    busReady: bus.ready,
    closers: [
      { name: "postgres", close: () => db.destroy() },
      { name: "redis", close: () => redis.quit().catch(() => redis.disconnect()) },
      { name: "inbound-feed", close: async () => inbound.close() },
      { name: "nats", close: () => bus.close() },
    ],
  };
}

/** The gateway publishes into the delivery and campaign streams: check them, create what is missing. */
async function checkBus(bus: Bus, names: McpGatewayConfig, log: Logger): Promise<void> {
  const problems = await checkTopology(bus.jsm, names);
  if (problems.length === 0) return;
  log.warn({ problems }, "nats topology differs from the declared one; ensuring it");
  await ensureTopology(bus.jsm, names);
}
