// `pnpm bench:flame --title "…" --out bench/results/x.svg <profile.cpuprofile | dir>…`: one flame graph of V8 CPU
// profiles (the `BENCH_CPU_PROF=<dir>` runs of webhook-ingest, campaign and the delivery benches write them).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type CpuProfile, flameGraphSvg } from "./lib/flame-graph.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { title: { type: "string", default: "CPU profile" }, out: { type: "string" }, note: { type: "string" } },
});
const cwd = process.env.INIT_CWD ?? process.cwd();
const files = positionals.flatMap((p) => {
  const path = resolve(cwd, p);
  return statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(path, f))
    : [path];
});
if (files.length === 0 || !values.out) {
  process.stderr.write("usage: pnpm bench:flame --title <t> --out <file.svg> <profile.cpuprofile | dir>…\n");
  process.exit(2);
}
const profiles = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as CpuProfile);
writeFileSync(resolve(cwd, values.out), flameGraphSvg(profiles, values.title, values.note ?? ""));
process.stdout.write(`${values.out}: ${files.length} profile(s)\n`);
