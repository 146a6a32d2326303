import { writeSync } from "node:fs";
import { z } from "zod";
import { isSecretKey, redactUrl } from "./redact.js";

export type EnvSource = Readonly<Record<string, string | undefined>>;

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The parsed, frozen configuration of a schema. */
export type Config<S extends z.ZodType> = DeepReadonly<z.output<S>>;

export class ConfigError extends Error {
  readonly code = "INVALID_CONFIG";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses `source` once; empty strings count as unset. Throws ConfigError listing every bad variable. */
export function loadConfig<S extends z.ZodType>(schema: S, source: EnvSource = process.env): Config<S> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) if (value !== undefined && value !== "") env[key] = value;
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues(schema, parsed.error.issues, env));
  return deepFreeze(parsed.data) as Config<S>;
}

export interface LoadOrExitOptions {
  service: string;
  source?: EnvSource;
}

/** For main(): on ConfigError prints `<service>: invalid configuration` and one line per problem, then exits 1. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, opts: LoadOrExitOptions): Config<S> {
  try {
    return loadConfig(schema, opts.source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // writeSync: the lines must be out before process.exit, whatever stderr is attached to.
    writeSync(2, [`${opts.service}: invalid configuration`, ...err.problems.map((p) => `  ${p}`), ""].join("\n"));
    process.exit(1);
  }
}

function describeIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], env: Record<string, string>): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const issue of issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : "";
    if (key !== "" && seen.has(key)) continue;
    seen.add(key);
    lines.push(describeIssue(schema, issue, key, env[key]));
  }
  return lines;
}

function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue, key: string, raw: string | undefined): string {
  if (key === "") return issue.message;
  if (raw === undefined && issue.code === "invalid_type") {
    const description = descriptionOf(schema, key);
    return description ? `${key}: required (${description})` : `${key}: required`;
  }
  const quiet = issue.code === "custom" && issue.params?.["echo"] === false;
  if (raw === undefined || quiet || isSecretKey(key)) return `${key}: ${issue.message}`;
  return `${key}: ${issue.message}, got ${JSON.stringify(clip(redactUrl(raw)))}`;
}

function descriptionOf(schema: z.ZodType, key: string): string | undefined {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>)[key]?.description : undefined;
}

function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
