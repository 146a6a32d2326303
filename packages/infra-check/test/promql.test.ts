import { describe, expect, it } from "vitest";
import { metricNamesInExpr } from "../src/index.js";

const names = (expr: string) => [...metricNamesInExpr(expr)].toSorted();

describe("metricNamesInExpr", () => {
  it("finds metrics and skips functions, aggregations, grouping labels and label values", () => {
    expect(names('sum by (code) (rate(wa_messages_failed_total{code=~"131.*", job="x"}[5m]))')).toEqual([
      "wa_messages_failed_total",
    ]);
    expect(
      names("histogram_quantile(0.99, sum by (le) (rate(wa_webhook_ingest_seconds_bucket[$__rate_interval])))"),
    ).toEqual(["wa_webhook_ingest_seconds_bucket"]);
  });

  it("handles binary operators, keywords, numbers with exponents, durations and offsets", () => {
    expect(
      names("sum(rate(a_total[10m] offset 1h)) / clamp_min(sum(rate(b_total[10m])) + 1e-3, 0.001) > bool 5"),
    ).toEqual(["a_total", "b_total"]);
    expect(names('up{job=~"wa-.*"} == 0 and on (instance) process_open_fds > 2')).toEqual(["process_open_fds", "up"]);
    expect(names("sum without (instance) (x) unless ignoring (code) y")).toEqual(["x", "y"]);
  });

  it("ignores Grafana variables and subqueries", () => {
    expect(names("avg_over_time(sum(wa_ratelimit_waiting)[10m:30s]) * ${factor} + $x")).toEqual([
      "wa_ratelimit_waiting",
    ]);
    expect(names('sort_desc(sum by (reason) (increase(c_total{result="denied"}[$__range])))')).toEqual(["c_total"]);
  });
});
