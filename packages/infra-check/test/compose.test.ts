import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@wa/config";
import {
  APP_SCHEMAS,
  asArray,
  at,
  composeProblems,
  composeServices,
  dependsOn,
  findRepoRoot,
  isObject,
  loadYamlFile,
  parsePort,
  serviceApp,
  serviceCommand,
  serviceEnv,
} from "../src/index.js";

const root = findRepoRoot();
const compose = loadYamlFile(join(root, "docker-compose.yml"));
const services = composeServices(compose);
const svc = (name: string) => {
  const s = services.get(name);
  if (!s) throw new Error(`no compose service ${name}`);
  return s;
};

function listen(name: string): number {
  const env = serviceEnv(svc(name));
  return Number(env.get("OPS_PORT") ?? env.get("PORT"));
}

function hostPorts(name: string): (number | undefined)[] {
  return asArray(svc(name)["ports"]).map((p) => parsePort(p).port);
}

describe("docker-compose.yml", () => {
  it("has the backing services, every app, the migrate job and the monitoring stack", () => {
    expect([...services.keys()].toSorted()).toEqual(
      [
        "postgres",
        "pgbouncer",
        "redis",
        "nats",
        "nats-exporter",
        "migrate",
        "mock-meta",
        "webhook-receiver",
        "webhook-processor",
        "delivery-worker",
        "campaign-worker",
        "scheduler",
        "console",
        "mcp-gateway",
        "mcp-gateway-http",
        "prometheus",
        "grafana",
      ].toSorted(),
    );
    expect(at(svc("postgres"), "image")).toMatch(/^postgres:16/);
    expect(at(svc("redis"), "image")).toMatch(/^redis:7/);
    expect(at(svc("nats"), "image")).toMatch(/^nats:2/);
    expect(serviceCommand(svc("nats"))).toContain("-js");
  });

  it("maps each app service to its app and entry point", () => {
    const apps = Object.fromEntries([...services].map(([name, s]) => [name, serviceApp(s)]));
    expect(apps).toMatchObject({
      "mock-meta": "mock-meta",
      "webhook-receiver": "webhook-receiver",
      "webhook-processor": "webhook-processor",
      "delivery-worker": "delivery-worker",
      "campaign-worker": "campaign-worker",
      scheduler: "scheduler",
      console: "console",
      "mcp-gateway": "mcp-gateway",
      "mcp-gateway-http": "mcp-gateway",
    });
    expect(serviceCommand(svc("webhook-processor"))).toEqual([]); // its own image, the image's CMD (dist/main.js)
  });

  it("sets only variables each app's @wa/config schema defines, wires depends_on and binds ports to loopback", () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it("each app's environment (with compose's defaults) loads with the app's schema", () => {
    for (const [name, s] of services) {
      const app = serviceApp(s);
      if (!app) continue;
      const env = Object.fromEntries(
        [...serviceEnv(s)].map(([k, v]) => [
          k,
          v.replace(/\$\{[A-Z0-9_]+(?::-([^}]*))?\}/g, (_m, d: string | undefined) => d ?? ""),
        ]),
      );
      expect(() => loadConfig(APP_SCHEMAS[app], env), name).not.toThrow();
    }
  });

  it("an unknown variable or a secret handed to the wrong app is reported", () => {
    const doc = structuredClone(compose) as Record<string, unknown>;
    const processor = at(doc, "services", "webhook-processor") as Record<string, unknown>;
    processor["environment"] = { ...(processor["environment"] as object), META_ACCESS_TOKEN: "x", OPS_PROT: "1" };
    expect(composeProblems(doc)).toEqual([
      "compose service webhook-processor: META_ACCESS_TOKEN is not in the webhook-processor config schema",
      "compose service webhook-processor: OPS_PROT is not in the webhook-processor config schema",
      "compose service webhook-processor: META_ACCESS_TOKEN is a literal; use ${META_ACCESS_TOKEN:-...}",
    ]);
  });

  it("runs two delivery workers and builds every app from infra/Dockerfile", () => {
    expect(at(svc("delivery-worker"), "deploy", "replicas")).toBe(2);
    expect(svc("delivery-worker")["ports"]).toBeUndefined(); // replicas cannot share a host port
    for (const [name, s] of services) {
      if (!serviceApp(s) && name !== "migrate") continue;
      expect(at(s, "build", "dockerfile"), name).toBe("infra/Dockerfile");
      expect(at(s, "build", "target"), name).toBe(name === "migrate" ? "migrate" : "app");
    }
  });

  it("gives every long-running service a health check, and apps wait for migrate to complete", () => {
    const noHealth = new Set(["migrate", "mcp-gateway", "nats-exporter"]); // one-shot, stdio, distroless exporter
    for (const [name, s] of services) {
      if (noHealth.has(name)) continue;
      expect(asArray(at(s, "healthcheck", "test")).length, name).toBeGreaterThan(1);
    }
    for (const name of [
      "webhook-receiver",
      "webhook-processor",
      "delivery-worker",
      "campaign-worker",
      "scheduler",
      "mcp-gateway",
    ]) {
      expect(dependsOn(svc(name)).get("migrate"), name).toBe("service_completed_successfully");
    }
    expect(dependsOn(svc("migrate")).get("postgres")).toBe("service_healthy");
  });

  it("app health checks probe the port the app listens on", () => {
    for (const [name, s] of services) {
      if (!serviceApp(s) || name === "mcp-gateway") continue;
      const env = serviceEnv(s);
      const port = env.get("OPS_PORT") ?? env.get("PORT");
      const test = asArray(at(s, "healthcheck", "test")).map(String);
      expect(test.slice(0, 3), name).toEqual(["CMD", "node", "/app/healthcheck.mjs"]);
      expect(test[3], name).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
    }
  });

  it("keeps the stdio gateway out of `up` and ready for `docker compose run --rm -i mcp-gateway`", () => {
    const gw = svc("mcp-gateway");
    expect(gw["profiles"]).toEqual(["mcp"]);
    expect(gw["stdin_open"]).toBe(true);
    expect(gw["ports"]).toBeUndefined();
    expect(serviceEnv(gw).has("OPS_PORT")).toBe(false); // nothing may print to stdout but the protocol
    const readme = readFileSync(join(root, "infra/README.md"), "utf8");
    expect(readme).toContain("docker compose run --rm -i mcp-gateway");
  });

  it("Prometheus scrapes each app service on the port that service listens on", () => {
    const prom = loadYamlFile(join(root, "infra/prometheus/prometheus.yml"));
    const seen = new Set<string>();
    for (const job of asArray(at(prom, "scrape_configs")).filter(isObject)) {
      const targets: [string, number][] = [
        ...asArray(at(job, "static_configs"))
          .flatMap((s) => asArray(at(s, "targets")))
          .map((t): [string, number] => {
            const [host, port] = String(t).split(":");
            return [String(host), Number(port)];
          }),
        ...asArray(at(job, "dns_sd_configs")).flatMap((d) =>
          asArray(at(d, "names")).map((n): [string, number] => [String(n), Number(at(d, "port"))]),
        ),
      ];
      for (const [host, port] of targets) {
        if (host === "127.0.0.1") continue; // Prometheus itself
        expect(services.has(host), `scrape target ${host}`).toBe(true);
        if (serviceApp(svc(host))) expect(port, host).toBe(listen(host));
        seen.add(host);
      }
    }
    for (const name of [
      "webhook-receiver",
      "webhook-processor",
      "delivery-worker",
      "campaign-worker",
      "scheduler",
      "nats-exporter",
    ]) {
      expect(seen.has(name), name).toBe(true);
    }
  });

  it("mounts configuration files that exist in the repo", () => {
    for (const [name, s] of services) {
      for (const v of asArray(s["volumes"])) {
        const source = String(v).split(":")[0] ?? "";
        if (!source.startsWith("./")) continue;
        expect(existsSync(join(root, source)), `${name}: ${source}`).toBe(true);
      }
    }
    const grafanaEnv = serviceEnv(svc("grafana"));
    const home = grafanaEnv.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH") ?? "";
    expect(existsSync(join(root, "infra/grafana/dashboards", home.split("/").pop() ?? ""))).toBe(true);
  });

  it("exposes the ports npm start and the docs promise, on loopback only", () => {
    expect(hostPorts("postgres")).toContain(5432);
    expect(hostPorts("redis")).toContain(6379);
    expect(hostPorts("nats")).toContain(4222);
    expect(hostPorts("webhook-receiver")).toContain(8080);
    expect(hostPorts("mock-meta")).toContain(8081);
    expect(hostPorts("prometheus")).toContain(9090);
    expect(hostPorts("grafana")).toContain(3000);
  });
});
