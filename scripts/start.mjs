// `npm start`: the set-up, then every app that exists plus mock-meta; Ctrl-C stops them all.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { setup, ROOT } from "./lib/setup.mjs";
import { log, warn } from "./lib/sh.mjs";

// Long-running apps, in start order; `url` says where each listens.
const APPS = [
  { name: "mock-meta", env: { PORT: "8081" }, url: "http://127.0.0.1:8081 (Graph API double, /_mock/ control)" },
  { name: "webhook-receiver", env: { PORT: "8080" }, url: "http://127.0.0.1:8080/webhook (+ /health /ready /metrics)" },
  { name: "webhook-processor", dir: "webhook-receiver", entry: "processor-main.js", env: { OPS_PORT: "9468" }, url: "ops http://127.0.0.1:9468/metrics" },
  { name: "delivery-worker", env: { OPS_PORT: "9465" }, url: "ops http://127.0.0.1:9465/metrics" },
  { name: "campaign-worker", env: { OPS_PORT: "9466" }, url: "ops http://127.0.0.1:9466/metrics" },
  { name: "scheduler", env: { OPS_PORT: "9467" }, url: "ops http://127.0.0.1:9467/metrics" },
];
const COLORS = [35, 32, 33, 34, 36, 31];

const { childEnv } = await setup();
const children = [];

for (const [i, app] of APPS.entries()) {
  const main = `${ROOT}apps/${app.dir ?? app.name}/dist/${app.entry ?? "main.js"}`;
  if (!existsSync(main)) continue;
  const child = spawn(process.execPath, [main], { env: { ...childEnv, ...app.env }, stdio: ["ignore", "pipe", "pipe"] });
  const tag = `\x1b[${COLORS[i % COLORS.length]}m${app.name.padEnd(16)}\x1b[0m`;
  const pipe = (stream) => {
    let rest = "";
    stream.on("data", (chunk) => {
      const lines = (rest + chunk.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) process.stdout.write(`${tag} ${line}\n`);
    });
  };
  pipe(child.stdout);
  pipe(child.stderr);
  child.on("exit", (code, signal) => warn(`${app.name} exited (${signal ?? code})`));
  children.push({ app, child });
}

const gateway = `${ROOT}apps/mcp-gateway/dist/main.js`;
const mcpEnv = Object.fromEntries(
  ["DATABASE_URL", "REDIS_URL", "NATS_URL", "META_API_BASE_URL", "META_API_VERSION", "META_ACCESS_TOKEN",
    "META_PHONE_NUMBER_ID", "META_WABA_ID"].map((k) => [k, childEnv[k]]),
);
// MCP clients start the gateway in a directory of their own: the policies file needs an absolute path.
mcpEnv.POLICIES_FILE = resolve(ROOT, childEnv.POLICIES_FILE ?? "policies.yaml");
log("running:");
for (const { app } of children) process.stderr.write(`  ${app.name.padEnd(18)} ${app.url}\n`);
if (existsSync(gateway)) {
  log("MCP client config (Claude Desktop / Cursor / MCP Inspector), paste into mcpServers:");
  process.stdout.write(`${JSON.stringify({ mcpServers: { "whatsapp-gateway": { command: "node", args: [gateway], env: mcpEnv } } }, null, 2)}\n`);
} else {
  warn("apps/mcp-gateway is not built yet: no MCP client config to print");
}
log("Ctrl-C stops everything");

let stopping = false;
const stop = () => {
  if (stopping) return process.exit(1);
  stopping = true;
  log("stopping");
  for (const { child } of children) child.kill("SIGTERM");
  const deadline = setTimeout(() => process.exit(1), 15_000);
  deadline.unref();
  Promise.all(children.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.on("exit", r)) : null)))
    .then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
if (!children.length) warn("no app is built yet");
