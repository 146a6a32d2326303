import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { asArray, at, isObject, loadYamlDocuments, loadYamlFile, type Json } from "./yaml-docs.js";

export interface K8sObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: Json & { name: string; namespace?: string };
}

export interface KustomizeBuild {
  objects: K8sObject[];
  files: string[]; // every manifest file read, relative to the kustomization folder
}

function asK8sObject(value: unknown, file: string): K8sObject {
  if (!isObject(value) || typeof value["kind"] !== "string" || typeof value["apiVersion"] !== "string") {
    throw new Error(`${file}: a document without kind/apiVersion`);
  }
  if (typeof at(value, "metadata", "name") !== "string")
    throw new Error(`${file}: ${value["kind"]} without metadata.name`);
  return value as K8sObject;
}

/**
 * A small subset of `kustomize build`: resources (files and nested kustomization folders), namespace
 * and images (newName/newTag). Enough for this repo's base; anything else in kustomization.yaml throws,
 * so a new feature gets noticed instead of silently ignored.
 */
export function buildKustomization(dir: string): KustomizeBuild {
  const k = loadYamlFile(join(dir, "kustomization.yaml"));
  if (!isObject(k) || k["kind"] !== "Kustomization") throw new Error(`${dir}/kustomization.yaml: not a Kustomization`);
  const supported = new Set(["apiVersion", "kind", "namespace", "labels", "resources", "images"]);
  for (const key of Object.keys(k))
    if (!supported.has(key)) throw new Error(`kustomization field ${key} is not understood by infra-check`);

  const objects: K8sObject[] = [];
  const files: string[] = [];
  for (const entry of asArray(k["resources"])) {
    if (typeof entry !== "string") throw new Error(`${dir}: resource entries must be paths`);
    const path = join(dir, entry);
    if (!existsSync(path)) throw new Error(`${dir}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const nested = buildKustomization(path);
      objects.push(...nested.objects);
      files.push(...nested.files.map((f) => join(entry, f)));
    } else {
      files.push(entry);
      for (const doc of loadYamlDocuments(path)) objects.push(asK8sObject(doc, entry));
    }
  }

  const namespace = typeof k["namespace"] === "string" ? k["namespace"] : undefined;
  const images = asArray(k["images"]).filter(isObject);
  const labels = asArray(k["labels"]).filter(isObject);
  for (const obj of objects) {
    if (namespace && obj.kind !== "Namespace") obj.metadata.namespace = namespace;
    for (const l of labels) {
      const pairs = isObject(l["pairs"]) ? l["pairs"] : {};
      const existing = isObject(obj.metadata["labels"]) ? obj.metadata["labels"] : {};
      obj.metadata["labels"] = { ...existing, ...pairs };
    }
    for (const c of containersOf(obj)) {
      if (typeof c["image"] !== "string") continue;
      const match = images.find((img) => img["name"] === imageName(c["image"] as string));
      if (!match) continue;
      const name = typeof match["newName"] === "string" ? match["newName"] : imageName(c["image"] as string);
      const tag = typeof match["newTag"] === "string" ? match["newTag"] : imageTag(c["image"] as string);
      c["image"] = tag ? `${name}:${tag}` : name;
    }
  }
  return { objects, files };
}

/** "repo/name:tag" -> "repo/name" (a registry port "host:5000/x" is kept). */
function imageName(image: string): string {
  const ref = image.split("@")[0] ?? image;
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? ref.slice(0, colon) : ref;
}

export function imageTag(image: string): string | undefined {
  const ref = image.split("@")[0] ?? image;
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? ref.slice(colon + 1) : undefined;
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"]);

export function podSpecOf(obj: K8sObject): Json | undefined {
  if (obj.kind === "CronJob") {
    const spec = at(obj, "spec", "jobTemplate", "spec", "template", "spec");
    return isObject(spec) ? spec : undefined;
  }
  if (!WORKLOADS.has(obj.kind)) return undefined;
  const spec = at(obj, "spec", "template", "spec");
  return isObject(spec) ? spec : undefined;
}

export function containersOf(obj: K8sObject): Json[] {
  const spec = podSpecOf(obj);
  if (!spec) return [];
  return [...asArray(spec["initContainers"]), ...asArray(spec["containers"])].filter(isObject);
}

export function byKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function findObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}
