import { createLogger, createMetrics, serveOps } from "@wa/observability";
import { metricNamesInExpr } from "./promql.js";

/**
 * Series that dashboards and alerts may read although no app exports them, with who does.
 * jetstream_*: nats-io/prometheus-nats-exporter run with -jsz=all (docker-compose.yml `nats-exporter`;
 * in Kubernetes the NATS Helm chart's exporter), names from its collector/jsz.go.
 */
export const EXTERNAL_METRICS: Readonly<Record<string, string>> = Object.freeze({
  up: "Prometheus (scrape health of every target)",
  jetstream_stream_total_messages: "prometheus-nats-exporter -jsz",
  jetstream_stream_total_bytes: "prometheus-nats-exporter -jsz",
  jetstream_stream_consumer_count: "prometheus-nats-exporter -jsz",
  jetstream_consumer_num_pending: "prometheus-nats-exporter -jsz",
  jetstream_consumer_num_ack_pending: "prometheus-nats-exporter -jsz",
  jetstream_consumer_num_redelivered: "prometheus-nats-exporter -jsz",
  jetstream_consumer_num_waiting: "prometheus-nats-exporter -jsz",
  jetstream_consumer_delivered_stream_seq: "prometheus-nats-exporter -jsz",
  jetstream_consumer_ack_floor_stream_seq: "prometheus-nats-exporter -jsz",
});

/** metric family name -> type, as an app's /metrics endpoint announces them (`# TYPE name type`). */
export type MetricFamilies = ReadonlyMap<string, string>;

export function parseExposition(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) if (m[1] && m[2]) families.set(m[1], m[2]);
  return families;
}

/**
 * Starts the metrics registry every app builds (createMetrics) behind the ops server every app runs
 * (serveOps), scrapes /metrics over HTTP like Prometheus does, and returns the announced families.
 */
export async function scrapeAppMetrics(service = "infra-check"): Promise<Map<string, string>> {
  const metrics = createMetrics({ service });
  const log = createLogger({ service, level: "silent" });
  const ops = await serveOps({ port: 0, host: "127.0.0.1", metrics, log });
  try {
    const res = await fetch(`http://127.0.0.1:${ops.port}/metrics`);
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return parseExposition(await res.text());
  } finally {
    await ops.close();
  }
}

/** The series names a query can select: histograms expose _bucket/_sum/_count, summaries also the bare name. */
export function seriesNames(families: MetricFamilies): Set<string> {
  const out = new Set<string>();
  for (const [name, type] of families) {
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) out.add(name + s);
    else if (type === "summary") for (const s of ["", "_sum", "_count"]) out.add(name + s);
    else out.add(name);
  }
  return out;
}

export interface QueryRef {
  where: string; // e.g. "dashboard panel 12 target A"
  expr: string;
}

/** One line per metric a query reads that neither the apps nor EXTERNAL_METRICS provide. */
export function unknownMetricProblems(queries: readonly QueryRef[], families: MetricFamilies): string[] {
  const known = seriesNames(families);
  const problems: string[] = [];
  for (const q of queries) {
    for (const name of metricNamesInExpr(q.expr)) {
      if (!known.has(name) && !Object.hasOwn(EXTERNAL_METRICS, name)) {
        problems.push(`${q.where}: metric ${name} is exported by no app (expr: ${q.expr.replace(/\s+/g, " ").trim()})`);
      }
    }
  }
  return problems;
}
