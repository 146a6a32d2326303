import { join } from "node:path";
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
  wiringProblems,
  type K8sObject,
} from "../src/index.js";

const root = findRepoRoot();
const { objects, files } = buildKustomization(join(root, "infra/k8s"));
const command = (c: unknown) => [...asArray(at(c, "command")), ...asArray(at(c, "args"))].map(String);

// The server-side apps; mcp-gateway (stdio, started by the agent's MCP client) and mock-meta (dev double) are not deployed.
const DEPLOYED = ["webhook-receiver", "webhook-processor", "delivery-worker", "campaign-worker", "scheduler"] as const;
const WORKERS = ["webhook-processor", "delivery-worker", "campaign-worker"] as const;

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
      return appOf(String(at(c, "image")), command(c));
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
    expect(envNamesOf("scheduler").has("SCHEDULER_TICK_MS")).toBe(true);
    expect(envNamesOf("scheduler").has("META_ACCESS_TOKEN")).toBe(false);
    const leaky: K8sObject = structuredClone(findObject(objects, "Deployment", "scheduler") as K8sObject);
    const c = containersOf(leaky)[0] as Record<string, unknown>;
    c["env"] = [
      { name: "META_ACCESS_TOKEN", value: "EAAG..." },
      { name: "SCHEDULER_TICK", value: "1" },
    ];
    expect(envProblems([...objects.filter((o) => o.kind === "ConfigMap"), leaky])).toEqual([
      "Deployment/scheduler container scheduler: META_ACCESS_TOKEN must come from a secretKeyRef",
      "Deployment/scheduler container scheduler: META_ACCESS_TOKEN is not in the scheduler config schema",
      "Deployment/scheduler container scheduler: SCHEDULER_TICK is not in the scheduler config schema",
    ]);
  });

  it("every Deployment's env values (ConfigMaps + literals, secrets stubbed) load with the app's schema", () => {
    const stub: Record<string, string> = {
      DATABASE_URL: "postgres://u:p@db:5432/wa",
      META_ACCESS_TOKEN: "t",
      META_APP_SECRET: "s",
      WEBHOOK_VERIFY_TOKEN: "v",
    };
    for (const d of byKind(objects, "Deployment")) {
      const [c] = containersOf(d);
      const app = appOf(String(at(c, "image")), command(c));
      if (!app) throw new Error(`no app for ${d.metadata.name}`);
      const env: Record<string, string> = {};
      for (const ref of asArray(at(c, "envFrom")).map((e) => at(e, "configMapRef", "name"))) {
        Object.assign(env, at(findObject(objects, "ConfigMap", String(ref)), "data"));
      }
      for (const e of asArray(at(c, "env")).filter(isObject)) {
        const name = String(e["name"]);
        env[name] = typeof e["value"] === "string" ? e["value"] : (stub[name] ?? "");
      }
      expect(() => loadConfig(APP_SCHEMAS[app], env), d.metadata.name).not.toThrow();
    }
  });

  it("gives Meta credentials only to apps that call Meta, and the webhook secret only to the webhook app", () => {
    expect(secretsOf("delivery-worker")).toEqual(["DATABASE_URL", "META_ACCESS_TOKEN"]);
    expect(secretsOf("campaign-worker")).toEqual(["DATABASE_URL", "META_ACCESS_TOKEN"]);
    expect(secretsOf("scheduler")).toEqual(["DATABASE_URL"]);
    expect(secretsOf("webhook-receiver")).toEqual(["DATABASE_URL", "META_APP_SECRET", "WEBHOOK_VERIFY_TOKEN"]);
  });

  it("wires Services, HPAs and ServiceAccounts to objects that exist, with no Secret values", () => {
    expect(wiringProblems(objects)).toEqual([]);
    const svc = findObject(objects, "Service", "webhook-receiver");
    expect(at(svc, "spec", "ports", 0, "targetPort")).toBe("http");
    const receiver = containersOf(findObject(objects, "Deployment", "webhook-receiver") as K8sObject)[0];
    const port = asArray(at(receiver, "ports")).find((p) => at(p, "name") === "http");
    expect(at(port, "containerPort")).toBe(8080);
  });

  it("autoscales every worker (and the receiver) with an HPA", () => {
    const targets = byKind(objects, "HorizontalPodAutoscaler").map((h) =>
      String(at(h, "spec", "scaleTargetRef", "name")),
    );
    for (const w of WORKERS) expect(targets).toContain(w);
    expect(targets).toContain("webhook-receiver");
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
