import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import type { EnvSource } from "./load.js";

export interface EnvFiles {
  source: EnvSource;
  read: string[]; // the files that existed and were parsed, in precedence order
}

/**
 * `base` (the process environment) over the `.env` files, the first file winning over later ones.
 * For processes started by another program (an MCP client) that cannot pass a shell's environment.
 * A missing file is skipped; an unreadable one too (the environment still applies).
 */
export function withEnvFiles(files: readonly string[], base: EnvSource = process.env): EnvFiles {
  const read: string[] = [];
  const layers: Array<Record<string, string | undefined>> = [];
  for (const file of new Set(files)) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    layers.push(parseEnv(text));
    read.push(file);
  }
  const source: Record<string, string | undefined> = {};
  for (const layer of layers.toReversed()) Object.assign(source, layer);
  for (const [key, value] of Object.entries(base)) if (value !== undefined && value !== "") source[key] = value;
  return { source, read };
}
