import { isSecretKey } from "@wa/config";
import { appOf, unknownEnvNames } from "./app-env.js";
import { byKind, containersOf, findObject, imageTag, podSpecOf, type K8sObject } from "./kustomize.js";
import { asArray, at, isObject, type Json } from "./yaml-docs.js";

// DATABASE_URL carries the database password, so it is a secret in manifests even though it is not
// redacted by name in logs (redactUrl handles it there).
export function isSecretEnv(name: string): boolean {
  return isSecretKey(name) || name === "DATABASE_URL";
}

function where(obj: K8sObject, container?: Json): string {
  return `${obj.kind}/${obj.metadata.name}${container ? ` container ${String(container["name"])}` : ""}`;
}

function portNames(c: Json): Set<string | number> {
  const out = new Set<string | number>();
  for (const p of asArray(c["ports"]).filter(isObject)) {
    if (typeof p["name"] === "string") out.add(p["name"]);
    if (typeof p["containerPort"] === "number") out.add(p["containerPort"]);
  }
  return out;
}

function probeProblems(c: Json, kind: "readinessProbe" | "livenessProbe", w: string): string[] {
  const probe = c[kind];
  if (!isObject(probe)) return [`${w}: no ${kind}`];
  const http = probe["httpGet"];
  if (!isObject(http))
    return isObject(probe["exec"]) || isObject(probe["tcpSocket"]) ? [] : [`${w}: ${kind} has no handler`];
  const problems: string[] = [];
  const port = http["port"];
  if (port === undefined || !portNames(c).has(port as string | number))
    problems.push(`${w}: ${kind} port ${String(port)} is not a declared container port`);
  if (typeof http["path"] !== "string" || !http["path"].startsWith("/")) problems.push(`${w}: ${kind} has no path`);
  return problems;
}

/** Deployments: image with a pinned tag, both probes on a declared port, requests, a memory limit, non-root. */
export function deploymentProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const d of byKind(objects, "Deployment")) {
    const pod = podSpecOf(d) ?? {};
    const podNonRoot = at(pod, "securityContext", "runAsNonRoot") === true;
    const selector = at(d, "spec", "selector", "matchLabels");
    const labels = at(d, "spec", "template", "metadata", "labels");
    if (!isObject(selector) || !isObject(labels) || !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
      problems.push(`${where(d)}: spec.selector does not match the pod template labels`);
    }
    const containers = asArray(pod["containers"]).filter(isObject);
    if (containers.length === 0) problems.push(`${where(d)}: no containers`);
    for (const c of containers) {
      const w = where(d, c);
      const image = c["image"];
      if (typeof image !== "string" || image === "") problems.push(`${w}: no image`);
      else if (!imageTag(image) || imageTag(image) === "latest")
        problems.push(`${w}: image ${image} has no pinned tag`);
      problems.push(...probeProblems(c, "readinessProbe", w), ...probeProblems(c, "livenessProbe", w));
      if (!at(c, "resources", "requests", "cpu") || !at(c, "resources", "requests", "memory"))
        problems.push(`${w}: no cpu/memory requests`);
      if (!at(c, "resources", "limits", "memory")) problems.push(`${w}: no memory limit`);
      if (!podNonRoot && at(c, "securityContext", "runAsNonRoot") !== true) problems.push(`${w}: may run as root`);
    }
  }
  return problems;
}

/**
 * Env names of every workload container, checked against its app's @wa/config schema; ConfigMaps
 * pulled in with envFrom contribute their keys. envFrom secretRef is refused (its names are invisible
 * here), and secret-like names must come from a secretKeyRef, never a literal value.
 */
export function envProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const obj of objects) {
    for (const c of containersOf(obj)) {
      const w = where(obj, c);
      const image = typeof c["image"] === "string" ? c["image"] : "";
      const app = obj.metadata.name === "wa-migrate" || image.includes("/migrate") ? undefined : appOf(image);
      const names: string[] = [];
      for (const e of asArray(c["env"]).filter(isObject)) {
        const name = String(e["name"]);
        names.push(name);
        if (isSecretEnv(name) && !isObject(at(e, "valueFrom", "secretKeyRef")))
          problems.push(`${w}: ${name} must come from a secretKeyRef`);
      }
      for (const src of asArray(c["envFrom"]).filter(isObject)) {
        if (isObject(src["secretRef"]))
          problems.push(`${w}: envFrom secretRef hides its variable names; use env[].valueFrom.secretKeyRef`);
        const ref = at(src, "configMapRef", "name");
        if (typeof ref !== "string") continue;
        const cm = findObject(objects, "ConfigMap", ref);
        if (!cm) {
          problems.push(`${w}: ConfigMap ${ref} is not in the manifests`);
          continue;
        }
        const data = isObject(cm["data"]) ? cm["data"] : {};
        names.push(...Object.keys(data));
        for (const key of Object.keys(data))
          if (isSecretEnv(key)) problems.push(`ConfigMap/${ref}: ${key} is a secret`);
      }
      for (const e of asArray(c["env"]).filter(isObject)) {
        const ref = at(e, "valueFrom", "configMapKeyRef");
        if (isObject(ref)) {
          const cm = findObject(objects, "ConfigMap", String(ref["name"]));
          if (!cm || !isObject(cm["data"]) || !Object.hasOwn(cm["data"], String(ref["key"]))) {
            problems.push(`${w}: configMapKeyRef ${String(ref["name"])}/${String(ref["key"])} does not exist`);
          }
        }
      }
      if (app) problems.push(...unknownEnvNames(app, names, w));
      else if (obj.kind === "Deployment") problems.push(`${w}: image ${image} is not one of the apps`);
    }
  }
  return problems;
}

/** No Secret objects (values) in the repo; Services select pods that exist, on ports those pods declare. */
export function wiringProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const s of byKind(objects, "Secret"))
    problems.push(`Secret/${s.metadata.name}: secret values do not belong in the repo`);
  const deployments = byKind(objects, "Deployment");
  for (const svc of byKind(objects, "Service")) {
    const selector = at(svc, "spec", "selector");
    const target = deployments.find((d) => {
      const labels = at(d, "spec", "template", "metadata", "labels");
      return isObject(selector) && isObject(labels) && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (!target) {
      problems.push(`Service/${svc.metadata.name}: selects no Deployment`);
      continue;
    }
    const declared = new Set(containersOf(target).flatMap((c) => [...portNames(c)]));
    for (const p of asArray(at(svc, "spec", "ports")).filter(isObject)) {
      const tp = p["targetPort"] ?? p["port"];
      if (!declared.has(tp as string | number))
        problems.push(
          `Service/${svc.metadata.name}: targetPort ${String(tp)} is not declared by ${target.metadata.name}`,
        );
    }
  }
  for (const hpa of byKind(objects, "HorizontalPodAutoscaler")) {
    const ref = at(hpa, "spec", "scaleTargetRef");
    if (!isObject(ref) || !findObject(objects, String(ref["kind"]), String(ref["name"]))) {
      problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: scale target does not exist`);
    }
    const min = Number(at(hpa, "spec", "minReplicas") ?? 1);
    const max = Number(at(hpa, "spec", "maxReplicas"));
    if (!(max >= min)) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: maxReplicas < minReplicas`);
    if (asArray(at(hpa, "spec", "metrics")).length === 0)
      problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: no metrics`);
  }
  for (const obj of objects) {
    const sa = podSpecOf(obj)?.["serviceAccountName"];
    if (typeof sa === "string" && !findObject(objects, "ServiceAccount", sa))
      problems.push(`${where(obj)}: ServiceAccount ${sa} is not in the manifests`);
  }
  return problems;
}
