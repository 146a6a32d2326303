import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export const METRIC_NAMES = [
  "wa_messages_sent_total",
  "wa_messages_failed_total",
  "wa_compliance_decisions_total",
  "wa_delivery_latency_seconds",
  "wa_webhook_events_total",
  "wa_meta_api_errors_total",
  "wa_webhook_requests_total",
  "wa_webhook_ingest_seconds",
  "wa_webhook_buffered_bytes",
  "wa_delivery_in_flight",
  "wa_ratelimit_wait_seconds",
  "wa_ratelimit_waiting",
  "wa_campaign_recipients_total",
  "wa_scheduler_dispatch_lateness_seconds",
  "wa_consumer_messages_total",
  "wa_mcp_tool_calls_total",
] as const;

type MetricName = (typeof METRIC_NAMES)[number];

/** The shared metric handles of one process; every app registers all of them so dashboards never miss a series. */
export interface Metrics {
  registry: Registry;
  messagesSent: Counter<"category">; // accepted by Meta
  messagesFailed: Counter<"code">; // marked failed (Meta error code or our reason)
  complianceDecisions: Counter<"result" | "reason">; // result allowed|denied, reason = reason_code or "ok"
  deliveryLatency: Histogram; // queued → accepted by Meta
  webhookEvents: Counter<"kind">; // applied events: message, status_sent, template_status…
  metaApiErrors: Counter<"code">;
  webhookRequests: Counter<"outcome">; // accepted|duplicate|stored|bad_signature|too_large|invalid|busy|unavailable
  webhookIngest: Histogram; // POST /webhook handling time
  webhookBuffered: Gauge; // body bytes the receiver holds right now (bounded by WEBHOOK_BUFFER_BYTES)
  deliveryInFlight: Gauge;
  ratelimitWait: Histogram<"scope">; // scope throughput|pair
  ratelimitWaiting: Gauge;
  campaignRecipients: Counter<"outcome">; // enqueued|skipped_<reason>|held
  schedulerLateness: Histogram; // now − deliver_at when dispatched
  consumerMessages: Counter<"consumer" | "verdict">; // verdict ack|retry|drop|error
  mcpToolCalls: Counter<"tool" | "agent" | "outcome">; // outcome ok|<reason_code>
}

export interface MetricsOptions {
  /** Adds `service="<name>"` to every series. */
  service?: string;
  /** Node process metrics (cpu, memory, event loop lag, gc); default true. */
  defaultMetrics?: boolean;
}

const SECONDS_FAST = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const SECONDS_WAIT = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const SECONDS_SLOW = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A fresh Registry per call (never prom-client's global one), so tests can build many. */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.service) registry.setDefaultLabels({ service: opts.service });
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string>(name: MetricName, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(
    name: MetricName,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ) => new Histogram<L>({ name, help, buckets, labelNames, registers });
  const gauge = (name: MetricName, help: string) => new Gauge({ name, help, registers });

  return {
    registry,
    messagesSent: counter("wa_messages_sent_total", "Outbound messages accepted by Meta", ["category"]),
    messagesFailed: counter("wa_messages_failed_total", "Outbound messages marked failed", ["code"]),
    complianceDecisions: counter("wa_compliance_decisions_total", "Compliance engine answers", ["result", "reason"]),
    deliveryLatency: histogram("wa_delivery_latency_seconds", "From queued to accepted by Meta", SECONDS_SLOW),
    webhookEvents: counter("wa_webhook_events_total", "Webhook events applied, by kind", ["kind"]),
    metaApiErrors: counter("wa_meta_api_errors_total", "Graph API error answers, by Meta error code", ["code"]),
    webhookRequests: counter("wa_webhook_requests_total", "POST /webhook requests, by outcome", ["outcome"]),
    webhookIngest: histogram(
      "wa_webhook_ingest_seconds",
      "Time to verify and publish one webhook request",
      SECONDS_FAST,
    ),
    webhookBuffered: gauge("wa_webhook_buffered_bytes", "Webhook body bytes the receiver holds in memory right now"),
    deliveryInFlight: gauge("wa_delivery_in_flight", "Messages this worker is sending right now"),
    ratelimitWait: histogram("wa_ratelimit_wait_seconds", "Time spent waiting for a rate-limit token", SECONDS_WAIT, [
      "scope",
    ]),
    ratelimitWaiting: gauge("wa_ratelimit_waiting", "Sends waiting for a rate-limit token right now"),
    campaignRecipients: counter("wa_campaign_recipients_total", "Campaign recipients, by fan-out outcome", ["outcome"]),
    schedulerLateness: histogram(
      "wa_scheduler_dispatch_lateness_seconds",
      "How late a scheduled message or campaign was dispatched",
      SECONDS_SLOW,
    ),
    consumerMessages: counter("wa_consumer_messages_total", "JetStream messages handled, by verdict", [
      "consumer",
      "verdict",
    ]),
    mcpToolCalls: counter("wa_mcp_tool_calls_total", "MCP tool calls, by tool, agent and outcome (ok or reason code)", [
      "tool",
      "agent",
      "outcome",
    ]),
  };
}
