import { appOf, unknownEnvNames, type AppName } from "./app-env.js";
import { isSecretEnv } from "./k8s-checks.js";
import { asArray, at, isObject, type Json } from "./yaml-docs.js";

export type ComposeService = Json;

export function composeServices(doc: unknown): Map<string, ComposeService> {
  const services = at(doc, "services");
  if (!isObject(services)) throw new Error("compose file has no services");
  return new Map(Object.entries(services).filter((e): e is [string, Json] => isObject(e[1])));
}

/** environment as a map whether written as a mapping or as a list of KEY=value. */
export function serviceEnv(service: ComposeService): Map<string, string> {
  const env = service["environment"];
  const out = new Map<string, string>();
  if (isObject(env))
    for (const [k, v] of Object.entries(env)) out.set(k, v === null || v === undefined ? "" : String(v));
  else
    for (const item of asArray(env)) {
      const [k, ...rest] = String(item).split("=");
      if (k) out.set(k, rest.join("="));
    }
  return out;
}

export function serviceCommand(service: ComposeService): string[] {
  const cmd = service["command"];
  return Array.isArray(cmd) ? cmd.map(String) : typeof cmd === "string" ? cmd.split(/\s+/) : [];
}

/** The app a service runs: its build arg APP (or image wa-gateway/<app>). */
export function serviceApp(service: ComposeService): AppName | undefined {
  const arg = at(service, "build", "args", "APP");
  const image = typeof service["image"] === "string" ? service["image"] : "";
  return appOf(typeof arg === "string" ? arg : image);
}

export function dependsOn(service: ComposeService): Map<string, string> {
  const d = service["depends_on"];
  const out = new Map<string, string>();
  if (Array.isArray(d)) for (const name of d) out.set(String(name), "service_started");
  else if (isObject(d))
    for (const [name, v] of Object.entries(d)) out.set(name, String(at(v, "condition") ?? "service_started"));
  return out;
}

/** Host side of a port mapping "127.0.0.1:8080:8080" -> { host: "127.0.0.1", port: 8080, target: 8080 }. */
export function parsePort(spec: unknown): { host?: string; port?: number; target: number } {
  const parts = String(spec).split(":");
  const target = Number(parts.pop());
  const port = parts.length > 0 ? Number(parts.pop()) : undefined;
  const host = parts.length > 0 ? parts.join(":") : undefined;
  return { host, port, target };
}

/** App env names unknown to the app's schema, literal secrets that should be overridable, broken depends_on. */
export function composeProblems(doc: unknown): string[] {
  const services = composeServices(doc);
  const problems: string[] = [];
  for (const [name, svc] of services) {
    const app = serviceApp(svc);
    const env = serviceEnv(svc);
    if (app) problems.push(...unknownEnvNames(app, env.keys(), `compose service ${name}`));
    for (const [dep, condition] of dependsOn(svc)) {
      const target = services.get(dep);
      if (!target) problems.push(`compose service ${name}: depends_on unknown service ${dep}`);
      else if (condition === "service_healthy" && !isObject(target["healthcheck"])) {
        problems.push(`compose service ${name}: waits for ${dep} to be healthy but ${dep} has no healthcheck`);
      }
    }
    for (const port of asArray(svc["ports"])) {
      const p = parsePort(port);
      if (p.port !== undefined && p.host !== "127.0.0.1")
        problems.push(`compose service ${name}: port ${String(port)} is not bound to 127.0.0.1`);
    }
    if (app) {
      for (const [key, value] of env) {
        // A secret must stay overridable from the caller's environment (${VAR:-dev-default}).
        if (isSecretKey(key) && !/^\$\{[A-Z0-9_]+(:-[^}]*)?\}$/.test(value)) {
          problems.push(`compose service ${name}: ${key} is a literal; use \${${key}:-...}`);
        }
      }
    }
  }
  return problems;
}

function isSecretKey(key: string): boolean {
  return isSecretEnv(key) && key !== "DATABASE_URL"; // the dev database URL is the local trust-auth default
}
