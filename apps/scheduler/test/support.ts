import { fileURLToPath } from "node:url";
import { type SpawnedApp, spawnApp, waitFor } from "@wa/testkit";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export type Proc = SpawnedApp;

/** Spawns the built app (`node dist/main.js`) with `env` on top of the test's environment. */
export const spawnScheduler = (env: Record<string, string>): Proc => spawnApp(MAIN, env);

export { waitFor };

let n = 0;
/** Unique numbers that avoid mock-meta's 0001–0009 trigger suffixes. */
export function phone(): string {
  n += 1;
  return `6283${String(process.pid % 1000).padStart(3, "0")}${String(n).padStart(5, "0")}77`;
}
