import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { AccountsError, type SecretSource } from "./schema.js";

/** Reads one secret from its source; errors name the source, never a value. */
export function readSecret(source: SecretSource, what: string, env: NodeJS.ProcessEnv, baseDir: string): string {
  if ("env" in source) {
    const value = env[source.env]?.trim();
    if (!value) throw new AccountsError(`${what}: environment variable ${source.env} is not set`);
    return value;
  }
  const path = isAbsolute(source.file) ? source.file : resolve(baseDir, source.file);
  let value: string;
  try {
    value = readFileSync(path, "utf8").trim();
  } catch (err) {
    throw new AccountsError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (!value) throw new AccountsError(`${what}: ${path} is empty`);
  return value;
}
