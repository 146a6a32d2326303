import { join } from "node:path";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { METRIC_NAMES } from "@wa/observability";
import {
  at,
  asArray,
  dashboardQueries,
  findRepoRoot,
  isObject,
  loadYamlFile,
  metricNamesInExpr,
  ruleList,
  ruleQueries,
  scrapeAppMetrics,
  seriesNames,
  unknownMetricProblems,
} from "../src/index.js";

const root = findRepoRoot();
const dashboardFile = "infra/grafana/dashboards/wa-gateway.json";
const rulesFile = "infra/prometheus/alerts.yml";
const dashboard: unknown = JSON.parse(readFileSync(join(root, dashboardFile), "utf8"));
const rules = loadYamlFile(join(root, rulesFile));

// What the apps really expose: the shared registry behind the shared ops server, scraped over HTTP.
let families: Map<string, string>;
beforeAll(async () => {
  families = await scrapeAppMetrics();
});

describe("the apps' /metrics", () => {
  it("announces every METRIC_NAMES entry (the catalog the dashboard is checked against is the real one)", () => {
    for (const name of METRIC_NAMES) expect(families.has(name), name).toBe(true);
    expect(families.get("wa_delivery_latency_seconds")).toBe("histogram");
    expect(seriesNames(families).has("wa_delivery_latency_seconds_bucket")).toBe(true);
  });
});

describe("Grafana dashboard", () => {
  it("reads only metrics the apps (or the NATS exporter) export", () => {
    const queries = dashboardQueries(dashboard, dashboardFile);
    expect(queries.length).toBeGreaterThan(20);
    expect(unknownMetricProblems(queries, families)).toEqual([]);
  });

  it("a metric that does not exist is reported", () => {
    const fake = [{ where: "fake panel", expr: "sum(rate(wa_messages_snet_total[5m])) + wa_delivery_latency_seconds" }];
    expect(unknownMetricProblems(fake, families)).toEqual([
      expect.stringContaining("wa_messages_snet_total"),
      expect.stringContaining("wa_delivery_latency_seconds "), // a histogram has only _bucket/_sum/_count series
    ]);
  });

  it("covers send rate, Meta failures, denials, queues, webhooks, campaigns and rate limits", () => {
    const used = new Set(dashboardQueries(dashboard).flatMap((q) => [...metricNamesInExpr(q.expr)]));
    for (const name of [
      "wa_messages_sent_total",
      "wa_messages_failed_total",
      "wa_meta_api_errors_total",
      "wa_compliance_decisions_total",
      "jetstream_consumer_num_pending",
      "jetstream_consumer_num_ack_pending",
      "wa_consumer_messages_total",
      "wa_webhook_requests_total",
      "wa_webhook_ingest_seconds_bucket",
      "wa_webhook_events_total",
      "wa_campaign_recipients_total",
      "wa_ratelimit_waiting",
      "wa_ratelimit_wait_seconds_bucket",
      "wa_delivery_latency_seconds_bucket",
    ]) {
      expect(used.has(name), name).toBe(true);
    }
    const exprs = dashboardQueries(dashboard)
      .map((q) => q.expr)
      .join("\n");
    expect(exprs).toContain("sum by (code) (rate(wa_messages_failed_total");
    expect(exprs).toContain('sum by (reason) (rate(wa_compliance_decisions_total{result="denied"}');
  });

  it("is well formed: unique panel ids, 24-column grid, the provisioned datasource", () => {
    const panels = asArray(at(dashboard, "panels")).filter(isObject);
    const ids = panels.map((p) => p["id"]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      const x = Number(at(p, "gridPos", "x"));
      const w = Number(at(p, "gridPos", "w"));
      expect(x + w, String(p["title"])).toBeLessThanOrEqual(24);
      if (p["type"] !== "row") expect(at(p, "datasource", "uid"), String(p["title"])).toBe("prometheus");
    }
    const ds = loadYamlFile(join(root, "infra/grafana/provisioning/datasources/prometheus.yml"));
    expect(asArray(at(ds, "datasources")).map((d) => at(d, "uid"))).toContain("prometheus");
    const provider = loadYamlFile(join(root, "infra/grafana/provisioning/dashboards/wa-gateway.yml"));
    expect(at(provider, "providers", 0, "options", "path")).toBe("/var/lib/grafana/dashboards");
    expect(at(dashboard, "uid")).toBe("wa-gateway");
  });
});

describe("Prometheus alert rules", () => {
  it("read only metrics the apps (or the NATS exporter) export", () => {
    const queries = ruleQueries(rules, rulesFile);
    expect(queries.length).toBeGreaterThanOrEqual(10);
    expect(unknownMetricProblems(queries, families)).toEqual([]);
  });

  it("each has a severity, a summary and a runbook section that exists in infra/README.md", () => {
    const readme = readFileSync(join(root, "infra/README.md"), "utf8").toLowerCase();
    const names = new Set<string>();
    for (const r of ruleList(rules)) {
      expect(r.alert, r.expr).toMatch(/^Wa[A-Za-z]+$/);
      const name = String(r.alert);
      expect(names.has(name), `duplicate ${name}`).toBe(false);
      names.add(name);
      expect(["critical", "warning", "info"], name).toContain(at(r, "labels", "severity"));
      expect(typeof at(r, "annotations", "summary"), name).toBe("string");
      expect(at(r, "annotations", "runbook"), name).toBe(`infra/README.md#${name.toLowerCase()}`);
      expect(readme, `runbook heading for ${name}`).toMatch(new RegExp(`^#+ .*\\b${name.toLowerCase()}\\b`, "m"));
    }
  });

  it("prometheus.yml loads the rules file and scrapes every app job the alerts name", () => {
    const prom = loadYamlFile(join(root, "infra/prometheus/prometheus.yml"));
    expect(at(prom, "rule_files")).toEqual(["/etc/prometheus/alerts.yml"]);
    const jobs = asArray(at(prom, "scrape_configs")).map((s) => String(at(s, "job_name")));
    for (const job of [
      "wa-webhook-receiver",
      "wa-webhook-processor",
      "wa-delivery-worker",
      "wa-campaign-worker",
      "wa-scheduler",
      "nats",
    ]) {
      expect(jobs).toContain(job);
    }
  });
});
