import { join } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@wa/config";
import {
  APP_NAMES,
  APP_SCHEMAS,
  appOf,
  asArray,
  at,
  buildKustomization,
  byKind,
  containersOf,
  deploymentProblems,
  envNamesOf,
  envProblems,
  findObject,
  findRepoRoot,
  isObject,
  loadYamlFile,
  parseDockerfile,
  stage,
  wiringProblems,
  type K8sObject,
} from "../src/index.js";

const root = findRepoRoot();
const { objects, files } = buildKustomization(join(root, "infra/k8s"));
const command = (c: unknown) => [...asArray(at(c, "command")), ...asArray(at(c, "args"))].map(String);

// The server-side apps. The stdio mcp-gateway (started by the agent's MCP client) and mock-meta (dev double) are
// not deployed; the mcp-gateway image is, as mcp-gateway-http serving remote agents at /mcp.
const DEPLOYED = [
  "webhook-receiver",
  "webhook-processor",
  "delivery-worker",
  "campaign-worker",
  "scheduler",
  "console",
  "mcp-gateway",
] as const;
const WORKERS = ["webhook-processor", "delivery-worker", "campaign-worker"] as const;

const stub: Record<string, string> = {
  DATABASE_URL: "postgres://u:p@db:5432/wa",
  META_ACCESS_TOKEN: "t",
  META_APP_SECRET: "s",
  WEBHOOK_VERIFY_TOKEN: "v",
};

/** A Deployment's first container's environment: its ConfigMaps, then its literals, secrets stubbed. */
function envOf(d: K8sObject): Record<string, string> {
  const [c] = containersOf(d);
  const env: Record<string, string> = {};
  for (const ref of asArray(at(c, "envFrom")).map((e) => at(e, "configMapRef", "name"))) {
    Object.assign(env, at(findObject(objects, "ConfigMap", String(ref)), "data"));
  }
  for (const e of asArray(at(c, "env")).filter(isObject)) {
    const name = String(e["name"]);
    env[name] = typeof e["value"] === "string" ? e["value"] : (stub[name] ?? "");
  }
  return env;
}

function secretsOf(name: string): string[] {
  return containersOf(findObject(objects, "Deployment", name) as K8sObject)
    .flatMap((c) => asArray(c["env"]))
    .map((e) => at(e, "valueFrom", "secretKeyRef", "key"))
    .filter((k): k is string => typeof k === "string")
    .toSorted();
}

describe("infra/k8s kustomize base", () => {
  it("parses every manifest file and sets one namespace", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(objects.length).toBeGreaterThanOrEqual(15);
    for (const obj of objects.filter((o) => o.kind !== "Namespace")) {
      expect(obj.metadata.namespace, `${obj.kind}/${obj.metadata.name}`).toBe("wa-gateway");
    }
    expect(findObject(objects, "Namespace", "wa-gateway")).toBeDefined();
  });

  it("has a Deployment for every server-side app, running the right entry point", () => {
    const apps = byKind(objects, "Deployment").map((d) => {
      const c = containersOf(d)[0];
      return appOf(String(at(c, "image")));
    });
    expect(apps.toSorted()).toEqual([...DEPLOYED].toSorted());
    for (const app of DEPLOYED) expect(APP_NAMES).toContain(app);
  });

  it("every Deployment has an image, readiness and liveness probes, resources and runs as non-root", () => {
    expect(deploymentProblems(objects)).toEqual([]);
  });

  it("a Deployment without probes or resources is reported", () => {
    const broken: K8sObject = structuredClone(findObject(objects, "Deployment", "scheduler") as K8sObject);
    const c = containersOf(broken)[0] as Record<string, unknown>;
    delete c["livenessProbe"];
    delete c["resources"];
    c["image"] = "wa-gateway/scheduler:latest";
    expect(deploymentProblems([broken])).toEqual([
      "Deployment/scheduler container scheduler: image wa-gateway/scheduler:latest has no pinned tag",
      "Deployment/scheduler container scheduler: no livenessProbe",
      "Deployment/scheduler container scheduler: no cpu/memory requests",
      "Deployment/scheduler container scheduler: no memory limit",
    ]);
  });

  it("env and ConfigMap names exist in each app's @wa/config schema; secrets only by reference", () => {
    expect(envProblems(objects)).toEqual([]);
    // The check reads the schema keys at run time: a variable the schema lacks is caught.
    expect(envNamesOf("webhook-processor").has("WEBHOOK_INFLIGHT")).toBe(true);
    expect(envNamesOf("webhook-processor").has("META_ACCESS_TOKEN")).toBe(false);
    const leaky: K8sObject = structuredClone(findObject(objects, "Deployment", "webhook-processor") as K8sObject);
    const c = containersOf(leaky)[0] as Record<string, unknown>;
    c["env"] = [
      { name: "META_ACCESS_TOKEN", value: "EAAG..." },
      { name: "SCHEDULER_TICK", value: "1" },
    ];
    expect(envProblems([...objects.filter((o) => o.kind === "ConfigMap"), leaky])).toEqual([
      "Deployment/webhook-processor container webhook-processor: META_ACCESS_TOKEN must come from a secretKeyRef",
      "Deployment/webhook-processor container webhook-processor: META_ACCESS_TOKEN is not in the webhook-processor config schema",
      "Deployment/webhook-processor container webhook-processor: SCHEDULER_TICK is not in the webhook-processor config schema",
    ]);
  });

  it("every Deployment's env values (ConfigMaps + literals, secrets stubbed) load with the app's schema", () => {
    for (const d of byKind(objects, "Deployment")) {
      const app = appOf(String(at(containersOf(d)[0], "image")));
      if (!app) throw new Error(`no app for ${d.metadata.name}`);
      expect(() => loadConfig(APP_SCHEMAS[app], envOf(d)), d.metadata.name).not.toThrow();
    }
  });

  it("builds every Deployment's image from infra/Dockerfile's app target, pinned by the kustomization", () => {
    const dockerfile = parseDockerfile(readFileSync(join(root, "infra/Dockerfile"), "utf8"));
    const app = stage(dockerfile, "app");
    const exposed = new Set(
      (app?.instructions ?? []).filter((i) => i.keyword === "EXPOSE").flatMap((i) => i.args.split(/\s+/)),
    );
    const pinned = asArray(at(loadYamlFile(join(root, "infra/k8s/kustomization.yaml")), "images")).map((i) =>
      at(i, "name"),
    );
    for (const d of byKind(objects, "Deployment")) {
      const [c] = containersOf(d);
      const image = String(at(c, "image"));
      const name = appOf(image);
      // --build-arg APP=<name> deploys @wa/<name> from apps/<name>; its src/main.ts builds to the dist/main.js run here
      const pkg = JSON.parse(readFileSync(join(root, "apps", String(name), "package.json"), "utf8")) as {
        name: string;
      };
      expect(pkg.name, d.metadata.name).toBe(`@wa/${name}`);
      expect(existsSync(join(root, "apps", String(name), "src/main.ts")), d.metadata.name).toBe(true);
      expect([[], ["node", "dist/main.js"]], d.metadata.name).toContainEqual(command(c)); // [] = the image's CMD
      expect(pinned, d.metadata.name).toContain(image.split(":")[0]);
      for (const p of asArray(at(c, "ports")))
        expect(exposed, d.metadata.name).toContain(String(at(p, "containerPort")));
    }
  });

  it("mcp-gateway-http serves /mcp on all interfaces behind its Service and drains before it stops", () => {
    const d = findObject(objects, "Deployment", "mcp-gateway-http") as K8sObject;
    const [c] = containersOf(d);
    const cfg = loadConfig(APP_SCHEMAS["mcp-gateway"], envOf(d));
    const http = asArray(at(c, "ports")).find((p) => at(p, "name") === "http");
    expect(cfg.MCP_HTTP_PORT).toBeGreaterThan(0); // 0 would leave only the (unused) stdio session
    expect(at(http, "containerPort")).toBe(cfg.MCP_HTTP_PORT);
    expect(cfg.MCP_HTTP_HOST).toBe("0.0.0.0"); // the default 127.0.0.1 is unreachable from the Service
    expect(cfg.OPS_PORT).toBeGreaterThan(0);
    expect(cfg.MCP_ALLOWED_ORIGINS).toEqual([]); // browsers are opt-in per deployment
    expect(at(findObject(objects, "Service", "mcp-gateway-http"), "spec", "ports", 0, "targetPort")).toBe("http");
    // /ready (ops port) answers before /mcp listens: the startup probe holds readiness until /mcp accepts
    expect(at(c, "startupProbe", "tcpSocket", "port")).toBe("http");
    expect(at(c, "readinessProbe", "httpGet")).toEqual({ path: "/ready", port: "ops" });
    const preStop = asArray(at(c, "lifecycle", "preStop", "exec", "command")).map(String);
    expect(preStop[0]).toBe("sleep");
    const grace = Number(at(d, "spec", "template", "spec", "terminationGracePeriodSeconds"));
    expect(grace * 1000).toBeGreaterThan(Number(preStop[1]) * 1000 + cfg.SHUTDOWN_DEADLINE_MS);
    expect(findObject(objects, "PodDisruptionBudget", "mcp-gateway-http")).toBeDefined();
  });

  it("gives Meta credentials only to apps that call Meta, and the webhook secret only to the webhook app", () => {
    expect(secretsOf("delivery-worker")).toEqual(["DATABASE_URL", "META_ACCESS_TOKEN"]);
    expect(secretsOf("campaign-worker")).toEqual(["DATABASE_URL", "META_ACCESS_TOKEN"]);
    expect(secretsOf("scheduler")).toEqual(["DATABASE_URL", "META_ACCESS_TOKEN"]); // template sync; optional
    expect(secretsOf("webhook-processor")).toEqual(["DATABASE_URL"]);
    expect(secretsOf("console")).toEqual(["DATABASE_URL", "META_ACCESS_TOKEN"]); // templates "sync now"; optional in the Deployment
    expect(secretsOf("webhook-receiver")).toEqual(["DATABASE_URL", "META_APP_SECRET", "WEBHOOK_VERIFY_TOKEN"]);
    expect(secretsOf("mcp-gateway-http")).toEqual(["DATABASE_URL", "META_ACCESS_TOKEN"]); // sends like the delivery path
  });

  it("wires Services, HPAs and ServiceAccounts to objects that exist, with no Secret values", () => {
    expect(wiringProblems(objects)).toEqual([]);
    const svc = findObject(objects, "Service", "webhook-receiver");
    expect(at(svc, "spec", "ports", 0, "targetPort")).toBe("http");
    const receiver = containersOf(findObject(objects, "Deployment", "webhook-receiver") as K8sObject)[0];
    const port = asArray(at(receiver, "ports")).find((p) => at(p, "name") === "http");
    expect(at(port, "containerPort")).toBe(8080);
  });

  it("autoscales every worker (and the receiver and the HTTP MCP gateway) with an HPA", () => {
    const targets = byKind(objects, "HorizontalPodAutoscaler").map((h) =>
      String(at(h, "spec", "scaleTargetRef", "name")),
    );
    for (const w of WORKERS) expect(targets).toContain(w);
    expect(targets).toContain("webhook-receiver");
    expect(targets).toContain("mcp-gateway-http");
    const mcp = findObject(objects, "HorizontalPodAutoscaler", "mcp-gateway-http");
    expect(Number(at(mcp, "spec", "minReplicas"))).toBeGreaterThanOrEqual(2);
    const delivery = findObject(objects, "HorizontalPodAutoscaler", "delivery-worker");
    expect(Number(at(delivery, "spec", "minReplicas"))).toBeGreaterThanOrEqual(2);
    // An HPA-managed Deployment must not pin replicas (each apply would reset the count); the others do.
    for (const d of byKind(objects, "Deployment")) {
      expect(at(d, "spec", "replicas"), d.metadata.name).toBe(targets.includes(d.metadata.name) ? undefined : 1);
    }
  });

  it("runs migrations in a Job with the migrate image and the database secret", () => {
    const job = findObject(objects, "Job", "wa-migrate") as K8sObject;
    expect(job).toBeDefined();
    const [c] = containersOf(job);
    expect(String(at(c, "image"))).toMatch(/^wa-gateway\/migrate:\d/);
    expect(command(c)).toEqual(["node", "scripts/migrate.mjs"]);
    expect(at(job, "spec", "template", "spec", "restartPolicy")).toMatch(/OnFailure|Never/);
    expect(asArray(at(c, "env")).map((e) => at(e, "valueFrom", "secretKeyRef", "name"))).toEqual(["wa-database"]);
  });

  it("ops ports in probes and Prometheus annotations match each app's OPS_PORT/PORT", () => {
    for (const d of byKind(objects, "Deployment")) {
      const [c] = containersOf(d);
      const env = new Map(
        asArray(at(c, "env"))
          .filter(isObject)
          .map((e) => [String(e["name"]), e["value"]]),
      );
      const listen = env.get("OPS_PORT") ?? env.get("PORT");
      const annotation = at(d, "spec", "template", "metadata", "annotations", "prometheus.io/port");
      expect(annotation, d.metadata.name).toBe(listen);
      const declared = asArray(at(c, "ports")).map((p) => String(at(p, "containerPort")));
      expect(declared, d.metadata.name).toContain(listen);
    }
  });
});

describe("infra/k8s/pgbouncer (optional component)", () => {
  const pooler = buildKustomization(join(root, "infra/k8s/pgbouncer")).objects;
  it("a pinned, probed, non-root PgBouncer Deployment, its Service and ConfigMap, no Secret values", () => {
    expect(pooler.map((o) => `${o.kind}/${o.metadata.name}`).toSorted()).toEqual([
      "ConfigMap/wa-pgbouncer",
      "Deployment/pgbouncer",
      "Service/pgbouncer",
    ]);
    expect(deploymentProblems(pooler)).toEqual([]);
    expect(wiringProblems(pooler)).toEqual([]);
    for (const o of pooler) expect(o.metadata.namespace).toBe("wa-gateway");
  });
  it("uses the pooling settings the compose config is tested with (transaction mode, startup parameters)", () => {
    const ini = String(at(findObject(pooler, "ConfigMap", "wa-pgbouncer"), "data", "pgbouncer.ini"));
    const compose = readFileSync(join(root, "infra/pgbouncer/pgbouncer.ini"), "utf8");
    for (const key of ["pool_mode", "max_prepared_statements", "ignore_startup_parameters", "default_pool_size"]) {
      const line = new RegExp(`^${key} = .*$`, "m");
      expect(ini.match(line)?.[0], key).toBe(compose.match(line)?.[0]);
    }
    expect(ini).toContain("connect_query='SET statement_timeout = 30000'");
  });
});
