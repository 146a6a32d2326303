import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics, METRIC_NAMES } from "../src/index.js";

describe("createMetrics", () => {
  it("registers every shared metric on its own registry", async () => {
    const metrics = createMetrics({ service: "delivery-worker" });
    const text = await metrics.registry.metrics();
    for (const name of METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
    expect(await globalRegistry.metrics()).not.toContain("wa_");
  });

  it("counts with labels, and instances do not share state", async () => {
    const a = createMetrics({ service: "a", defaultMetrics: false });
    const b = createMetrics({ service: "b", defaultMetrics: false });
    a.messagesSent.inc({ category: "marketing" });
    a.consumerMessages.inc({ consumer: "delivery-workers", verdict: "ack" }, 2);
    a.complianceDecisions.inc({ result: "denied", reason: "NO_OPT_IN" });
    a.ratelimitWait.observe({ scope: "pair" }, 0.2);
    a.deliveryLatency.observe(0.3);
    a.deliveryInFlight.set(3);
    const textA = await a.registry.metrics();
    expect(textA).toContain('wa_messages_sent_total{category="marketing",service="a"} 1');
    expect(textA).toContain('wa_consumer_messages_total{consumer="delivery-workers",verdict="ack",service="a"} 2');
    expect(textA).toContain('wa_compliance_decisions_total{result="denied",reason="NO_OPT_IN",service="a"} 1');
    expect(textA).toContain('wa_ratelimit_wait_seconds_bucket{le="0.25",service="a",scope="pair"} 1');
    expect(textA).toContain('wa_delivery_latency_seconds_count{service="a"} 1');
    expect(textA).toContain('wa_delivery_in_flight{service="a"} 3');
    expect(textA).not.toContain("process_cpu_user_seconds_total");
    const textB = await b.registry.metrics();
    expect(textB).not.toContain("wa_messages_sent_total{");
    expect(textB).toContain('wa_delivery_in_flight{service="b"} 0');
  });

  it("lists each name once, all in the wa_ namespace", () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
    for (const name of METRIC_NAMES) expect(name).toMatch(/^wa_[a-z_]+$/);
  });
});
